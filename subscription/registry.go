package subscription

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cpr/pnr"
	"cpr/register"
)

// Storage, in the register's record store:
//
//	S | id                        -> subscriber (version byte + JSON)
//	K | 0x01 | pnr(8) | id        -> customer key (the mark)
//	K | 0x02 | id | 0x00 | pnr(8) -> 0x01 | customer key (the marks of one
//	                                   subscriber; empty if written before the keys were kept here)

// Mark is one person in a subscriber's circle, with the subscriber's own
// customer key for it (required for private subscribers).
type Mark struct {
	PNR pnr.PNR
	Key string
}

// Registry holds the subscribers and routes changes to them. Reads use an
// immutable index swapped in whole on every change, so routing never
// waits for an administrator.
type Registry struct {
	reg   *register.Register
	clock func() time.Time
	mu    sync.Mutex // serialises writers
	ix    atomic.Pointer[index]
}

// index is the routing index: who is marked, who covers which kommune,
// who covers everyone.
type index struct {
	subs      []*Subscriber // by slot
	slot      map[string]int32
	marks     []uint64 // sorted pnr<<slotBits | slot
	marksOf   []int    // mark count by slot
	byKommune map[uint16][]int32
	everyone  []int32
}

const slotBits = 20

// Open loads the subscribers and their marks.
func Open(reg *register.Register, clock func() time.Time) (*Registry, error) {
	if clock == nil {
		clock = time.Now
	}
	r := &Registry{reg: reg, clock: clock}
	var subs []*Subscriber
	var derr error
	err := reg.ScanRecords(register.SpaceSubscribers, nil, nil, false, func(k, v []byte) bool {
		s, err := decodeSubscriber(v)
		if err != nil {
			derr = err
			return false
		}
		subs = append(subs, s)
		return true
	})
	if err = errors.Join(err, derr); err != nil {
		return nil, err
	}
	ix := buildIndex(subs)
	var marks []uint64
	err = reg.ScanRecords(register.SpaceMarks, []byte{1}, []byte{2}, false, func(k, _ []byte) bool {
		if len(k) < 1+8+1 {
			derr = fmt.Errorf("%w: mark key", ErrCorrupt)
			return false
		}
		p := binary.BigEndian.Uint64(k[1:9])
		if s, ok := ix.slot[string(k[9:])]; ok {
			marks = append(marks, p<<slotBits|uint64(s))
			ix.marksOf[s]++
		}
		return true
	})
	if err = errors.Join(err, derr); err != nil {
		return nil, err
	}
	slices.Sort(marks)
	ix.marks = marks
	r.ix.Store(ix)
	return r, nil
}

func buildIndex(subs []*Subscriber) *index {
	slices.SortFunc(subs, func(a, b *Subscriber) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	ix := &index{subs: subs, slot: map[string]int32{}, marksOf: make([]int, len(subs)), byKommune: map[uint16][]int32{}}
	for i, s := range subs {
		ix.slot[s.ID] = int32(i)
		ix.add(int32(i))
	}
	return ix
}

// add puts slot i into the kommune and everyone lists.
func (ix *index) add(i int32) {
	s := ix.subs[i]
	for _, k := range s.Circle.Kommuner {
		ix.byKommune[k] = append(ix.byKommune[k], i)
	}
	if len(s.Circle.Kommuner) == 0 && !s.UsesMarks() {
		ix.everyone = append(ix.everyone, i)
	}
}

// UsesMarks reports whether the subscriber's circle is (partly) made of
// pnr marks: always for private subscribers, and for any subscriber that
// has asked for it.
func (s *Subscriber) UsesMarks() bool { return s.Kind == Private || s.Circle.Marks }

// Put creates or replaces a subscriber. Replacing keeps its marks and its
// research secret. It returns whether the subscriber is new.
func (r *Registry) Put(s Subscriber) (Subscriber, bool, error) {
	if err := s.check(); err != nil {
		return Subscriber{}, false, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.ix.Load()
	now := r.clock().UTC()
	s.Updated = now
	i, exists := old.slot[s.ID]
	if exists {
		prev := old.subs[i]
		s.Created, s.Secret = prev.Created, prev.Secret
	} else {
		s.Created = now
		if _, err := rand.Read(s.Secret[:]); err != nil {
			return Subscriber{}, false, err
		}
	}
	v, err := encodeSubscriber(&s)
	if err != nil {
		return Subscriber{}, false, err
	}
	if err := r.reg.PutRecords(register.Record{Space: register.SpaceSubscribers, Key: []byte(s.ID), Value: v}); err != nil {
		return Subscriber{}, false, err
	}
	// Rebuild: slots are by id order, so marks are re-slotted.
	subs := make([]*Subscriber, 0, len(old.subs)+1)
	for _, x := range old.subs {
		if x.ID != s.ID {
			subs = append(subs, x)
		}
	}
	sc := s
	subs = append(subs, &sc)
	ix := buildIndex(subs)
	ix.marks = make([]uint64, 0, len(old.marks))
	for _, m := range old.marks {
		slot := ix.slot[old.subs[m&(1<<slotBits-1)].ID]
		ix.marks = append(ix.marks, m&^(1<<slotBits-1)|uint64(slot))
		ix.marksOf[slot]++
	}
	slices.Sort(ix.marks)
	r.ix.Store(ix)
	return s, !exists, nil
}

// Get returns a subscriber and its number of marks. It returns ErrNotFound.
func (r *Registry) Get(id string) (Subscriber, int, error) {
	ix := r.ix.Load()
	i, ok := ix.slot[id]
	if !ok {
		return Subscriber{}, 0, ErrNotFound
	}
	return *ix.subs[i], ix.marksOf[i], nil
}

// List returns every subscriber, ordered by id.
func (r *Registry) List() []Subscriber {
	ix := r.ix.Load()
	out := make([]Subscriber, len(ix.subs))
	for i, s := range ix.subs {
		out[i] = *s
	}
	return out
}

func markKey(p pnr.PNR, id string) []byte {
	k := p.AppendKey([]byte{1})
	return append(k, id...)
}

func markByIDKey(id string, p pnr.PNR) []byte {
	k := append([]byte{2}, id...)
	return p.AppendKey(append(k, 0))
}

// AddMarks adds (or re-keys) marks in one atomic write, at most
// MaxMarksPerCall at a time. It returns how many were new.
func (r *Registry) AddMarks(id string, marks []Mark) (int, error) {
	if len(marks) > MaxMarksPerCall {
		return 0, &FieldError{"marks", fmt.Sprintf("at most %d a call", MaxMarksPerCall)}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.ix.Load()
	slot, ok := old.slot[id]
	if !ok {
		return 0, ErrNotFound
	}
	s := old.subs[slot]
	recs := make([]register.Record, 0, 2*len(marks))
	var fresh []uint64
	seen := map[pnr.PNR]bool{}
	for i, m := range marks {
		if err := checkMark(i, m, s); err != nil {
			return 0, err
		}
		if seen[m.PNR] {
			continue
		}
		seen[m.PNR] = true
		recs = append(recs,
			register.Record{Space: register.SpaceMarks, Key: markKey(m.PNR, id), Value: []byte(m.Key)},
			register.Record{Space: register.SpaceMarks, Key: markByIDKey(id, m.PNR), Value: byIDValue(nil, []byte(m.Key))})
		packed := uint64(m.PNR)<<slotBits | uint64(slot)
		if _, found := slices.BinarySearch(old.marks, packed); !found {
			fresh = append(fresh, packed)
		}
	}
	if err := r.reg.PutRecords(recs...); err != nil {
		return 0, err
	}
	slices.Sort(fresh)
	ix := *old
	ix.marks = mergeSorted(old.marks, fresh)
	ix.marksOf = slices.Clone(old.marksOf)
	ix.marksOf[slot] += len(fresh)
	r.ix.Store(&ix)
	return len(fresh), nil
}

// checkMark checks mark i of subscriber s.
func checkMark(i int, m Mark, s *Subscriber) error {
	switch {
	case m.PNR.IsZero():
		return &FieldError{fmt.Sprintf("marks[%d].pnr", i), "is required"}
	case s.Kind == Private && m.Key == "":
		return &FieldError{fmt.Sprintf("marks[%d].key", i), "is required for a private subscriber"}
	case len(m.Key) > maxKeyLen:
		return &FieldError{fmt.Sprintf("marks[%d].key", i), "at most 10 characters (it stands in the 10-character pnr field)"}
	case !PlainText(m.Key) || strings.IndexFunc(m.Key, func(r rune) bool { return r > 0xff }) >= 0:
		return &FieldError{fmt.Sprintf("marks[%d].key", i), "must be ISO-8859-1 text without control characters"}
	}
	return nil
}

// maxKeyLen bounds a customer key, in bytes.
const maxKeyLen = 10

func mergeSorted(a, b []uint64) []uint64 {
	out := make([]uint64, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] <= b[j] {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	return append(append(out, a[i:]...), b[j:]...)
}

// RemoveMark removes one mark. It returns ErrNotFound or ErrNoMark.
func (r *Registry) RemoveMark(id string, p pnr.PNR) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.ix.Load()
	slot, ok := old.slot[id]
	if !ok {
		return ErrNotFound
	}
	packed := uint64(p)<<slotBits | uint64(slot)
	at, found := slices.BinarySearch(old.marks, packed)
	if !found {
		return ErrNoMark
	}
	if err := r.reg.PutRecords(
		register.Record{Space: register.SpaceMarks, Key: markKey(p, id), Delete: true},
		register.Record{Space: register.SpaceMarks, Key: markByIDKey(id, p), Delete: true}); err != nil {
		return err
	}
	ix := *old
	ix.marks = slices.Delete(slices.Clone(old.marks), at, at+1)
	ix.marksOf = slices.Clone(old.marksOf)
	ix.marksOf[slot]--
	r.ix.Store(&ix)
	return nil
}

// CustomerKey is the subscriber's own key for a marked person.
func (r *Registry) CustomerKey(id string, p pnr.PNR) (string, bool) {
	v, err := r.reg.GetRecord(register.SpaceMarks, markKey(p, id))
	if err != nil {
		return "", false
	}
	return string(v), true
}

// Marked calls fn for every person the subscriber has marked, in pnr order.
func (r *Registry) Marked(id string, fn func(p pnr.PNR) bool) error {
	return r.scanMarked(id, func(p pnr.PNR, _ []byte) bool { return fn(p) })
}

// MarkedKeys calls fn for every person the subscriber has marked, in pnr
// order, with its customer key: one scan instead of a CustomerKey for
// each.
func (r *Registry) MarkedKeys(id string, fn func(p pnr.PNR, key string) bool) error {
	var derr error
	err := r.scanMarked(id, func(p pnr.PNR, v []byte) bool {
		switch {
		case len(v) == 0: // stored before the keys were kept with the marks
			k, _ := r.CustomerKey(id, p)
			return fn(p, k)
		case v[0] != 1:
			derr = fmt.Errorf("%w: mark value", ErrCorrupt)
			return false
		}
		return fn(p, string(v[1:]))
	})
	return errors.Join(err, derr)
}

// byIDValue is the value of a by-subscriber mark key: a version byte, then
// the customer key.
func byIDValue(dst, key []byte) []byte { return append(append(dst, 1), key...) }

func (r *Registry) scanMarked(id string, fn func(p pnr.PNR, v []byte) bool) error {
	prefix := append(append([]byte{2}, id...), 0)
	end := append(append([]byte{2}, id...), 1)
	var derr error
	err := r.reg.ScanRecords(register.SpaceMarks, prefix, end, false, func(k, v []byte) bool {
		p, err := pnr.DecodeKey(k[len(prefix):])
		if err != nil {
			derr = fmt.Errorf("%w: mark key", ErrCorrupt)
			return false
		}
		return fn(p, v)
	})
	return errors.Join(err, derr)
}

// subscriberJSON is the stored form (and, without the secret, the API's).
type subscriberJSON struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Kind       Kind      `json:"kind"`
	TaskNumber int       `json:"task_number"`
	Scope      []string  `json:"scope"`
	Kommuner   []uint16  `json:"kommuner,omitempty"`
	AgeMin     int       `json:"age_min,omitempty"`
	AgeMax     int       `json:"age_max,omitempty"`
	Kinds      []string  `json:"kinds,omitempty"`
	Marks      bool      `json:"marks,omitempty"`
	Secret     []byte    `json:"secret"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
}

func encodeSubscriber(s *Subscriber) ([]byte, error) {
	j := subscriberJSON{ID: s.ID, Name: s.Name, Kind: s.Kind, TaskNumber: s.TaskNumber, Scope: s.Scope.Names(),
		Kommuner: s.Circle.Kommuner, AgeMin: s.Circle.AgeMin, AgeMax: s.Circle.AgeMax, Marks: s.Circle.Marks,
		Secret: s.Secret[:], Created: s.Created, Updated: s.Updated}
	for _, k := range s.Circle.Kinds {
		j.Kinds = append(j.Kinds, k.String())
	}
	b, err := json.Marshal(j)
	return append([]byte{1}, b...), err
}

func decodeSubscriber(v []byte) (*Subscriber, error) {
	if len(v) == 0 || v[0] != 1 {
		return nil, fmt.Errorf("%w: subscriber version", ErrCorrupt)
	}
	var j subscriberJSON
	if err := json.Unmarshal(v[1:], &j); err != nil || len(j.Secret) != 32 {
		return nil, fmt.Errorf("%w: subscriber", ErrCorrupt)
	}
	sc, err := ParseScope(j.Scope)
	if err != nil {
		return nil, fmt.Errorf("%w: subscriber scope", ErrCorrupt)
	}
	s := &Subscriber{ID: j.ID, Name: j.Name, Kind: j.Kind, TaskNumber: j.TaskNumber, Scope: sc,
		Circle:  Circle{Kommuner: j.Kommuner, AgeMin: j.AgeMin, AgeMax: j.AgeMax, Marks: j.Marks},
		Created: j.Created, Updated: j.Updated}
	copy(s.Secret[:], j.Secret)
	for _, k := range j.Kinds {
		kk, ok := register.ParseKind(k)
		if !ok {
			return nil, fmt.Errorf("%w: subscriber kinds", ErrCorrupt)
		}
		s.Circle.Kinds = append(s.Circle.Kinds, kk)
	}
	return s, nil
}
