package peer

import (
	"bufio"
	"crypto/aes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"cpr/extract/p12170"
)

// What the SQL of the extracts returns, and how it becomes the same files
// our register writes: P12170 fixed-width records for public subscribers,
// JSON Lines for private and research ones, a start and an end record in
// each. Records are lines, start and end included.

// sub is a subscriber as the extracts need it.
type sub struct {
	ID         string
	Kind       string
	TaskNumber int
	scope      map[string]bool
	secret     [32]byte // research pseudonyms
}

func (s *sub) has(scope string) bool { return s.scope[scope] }

// xperson is one person in an extract as the SQL returns it.
type xperson struct {
	PNR, CurrentPNR, PreviousPNR int64
	Key                          string // a private subscriber's customer key
	Status                       int16
	StatusFrom                   time.Time
	Sex                          string
	Birth                        time.Time
	First, Middle, Last, Addr    string
	NameFrom                     time.Time
	Kommune, Vejkode             int16
	Husnr, Etage, Sidedoer       string
	AddressFrom, KommuneFrom     time.Time
	PrevKommune                  int16
	RoadName, City               string
	Postnr                       int16
	Civil                        string
	Spouse                       int64
	CivilFrom                    time.Time
	SpouseName                   string
	Mother, Father               int64
	MotherName, FatherName       string
	Children                     []int64
	ProtTypes                    []int16
	ProtFrom                     []time.Time
	// private subscribers: the relatives' customer keys ("" unmarked)
	SpouseKey, MotherKey, FatherKey string
	ChildKeys                       []string
	// change extracts: the events delivered
	EvSeq       []int64
	EvKind      []string
	EvEffective []time.Time
	EvReg       []time.Time
	EvDerived   []bool
}

// hrow is one old history entry (records 023, 026, 029).
type hrow struct {
	Fact                   byte // 'A' address, 'N' name, 'C' civil
	Marker                 string
	From                   time.Time
	To                     *time.Time
	Kommune, Vejkode       int16
	Husnr, Etage, Sidedoer string
	First, Middle, Last    string
	Civil                  string
	Spouse                 *int64
}

var eventCodes = map[string]string{"birth": "FOD", "move": "FLY", "name": "NVN", "marriage": "VIE", "divorce": "SKI",
	"death": "DOD", "emigration": "UDR", "immigration": "IND", "protection": "BES", "pnr-change": "PNR", "correction": "KOR"}

// file is one extract file being written.
type file struct {
	f       *os.File
	w       *bufio.Writer
	s       *sub
	on      time.Time
	b       *p12170.Builder
	buf     []byte
	records int64
	persons int64
	events  int64
	bytes   int64
	held    []held // a research subscriber's persons (the peer makes only change extracts for them)
}

// held is one person of a research extract, written at close.
type held struct {
	id   string
	line []byte
}

// builders are P12170 record builders, reused.
var builders = sync.Pool{New: func() any { return p12170.New("000") }}

// writers are buffered writers for the files, reused.
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}

// createFile starts an extract file at path; path "" counts the bytes
// only, as our runner does by default.
func createFile(path string, s *sub, on, prev time.Time) (*file, error) {
	x := &file{s: s, on: on, b: builders.Get().(*p12170.Builder)}
	if path != "" {
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		x.f, x.w = f, writers.Get().(*bufio.Writer)
		x.w.Reset(f)
	}
	x.b.Reset("000")
	if s.Kind == "public" {
		b := x.b
		b.SetInt("OPGAVENR", s.TaskNumber)
		setDate(b, "PRODDTO", on)
		setDate(b, "PRODDTOFORRIG", prev)
		x.emit()
	} else {
		x.json(map[string]any{"record": "start", "subscriber": s.ID, "task_number": s.TaskNumber,
			"date": on.Format(time.DateOnly), "previous_production_date": dateText(prev)})
	}
	return x, x.flushBuf()
}

func (x *file) emit() {
	x.buf = x.b.AppendTo(x.buf)
	x.records++
}

func (x *file) json(v any) {
	b, _ := json.Marshal(v)
	x.buf = append(append(x.buf, b...), '\n')
	x.records++
}

func (x *file) flushBuf() error {
	var err error
	if x.w != nil {
		_, err = x.w.Write(x.buf)
	}
	x.bytes += int64(len(x.buf))
	x.buf = x.buf[:0]
	return err
}

func (x *file) close() error {
	slices.SortFunc(x.held, func(a, b held) int { return strings.Compare(a.id, b.id) })
	for _, h := range x.held {
		x.buf = append(x.buf, h.line...) // written with the end record
	}
	x.held = nil
	if x.s.Kind == "public" {
		x.b.Reset("999")
		x.b.Set("TAELLER", fmt.Sprintf("%08d", x.records+1))
		x.emit()
	} else {
		x.records++
		b, _ := json.Marshal(map[string]any{"record": "end", "count": x.records})
		x.buf = append(append(x.buf, b...), '\n')
	}
	err := x.flushBuf()
	builders.Put(x.b)
	x.b = nil
	if x.w == nil {
		return err
	}
	if ferr := x.w.Flush(); err == nil {
		err = ferr
	}
	x.w.Reset(nil)
	writers.Put(x.w)
	x.w = nil
	if cerr := x.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func setDate(b *p12170.Builder, field string, t time.Time) {
	if !t.IsZero() {
		b.SetDate(field, t.Year(), t.Month(), t.Day())
	}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("200601021504")
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func pnrText(p int64) string {
	if p == 0 {
		return ""
	}
	s := strconv.FormatInt(p, 10)
	for len(s) < 10 {
		s = "0" + s
	}
	return s
}

// pseudonym is a research subscriber's stable name for a pnr: "R" and 7
// characters of Crockford's base 32, an 8-round Feistel permutation of
// the 34-bit pnr space with AES-256 rounds keyed from the secret (the
// rule of extract.Pseudonym).
func pseudonym(secret [32]byte, p int64) string {
	k := sha256.Sum256(append([]byte("cpr pseudonym 2\x00"), secret[:]...))
	c, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err)
	}
	const half = 17
	l, r := uint32(uint64(p)>>half)&(1<<half-1), uint32(p)&(1<<half-1)
	var in, out [16]byte
	for round := range 8 {
		in[0] = byte(round)
		binary.BigEndian.PutUint32(in[12:], r)
		c.Encrypt(out[:], in[:])
		l, r = r, l^binary.BigEndian.Uint32(out[:4])&(1<<half-1)
	}
	y := uint64(l)<<half | uint64(r)
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	b := []byte("R0000000")
	for i := 7; i >= 1; i-- {
		b[i] = alphabet[y&31]
		y >>= 5
	}
	return string(b)
}

// monthText is a date as a research subscriber sees it: YYYY-MM.
func monthText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01")
}

// id is what the subscriber calls a person; ok false: it may not see them.
func (x *file) id(p int64, key string) (string, bool) {
	if p == 0 {
		return "", false
	}
	switch x.s.Kind {
	case "private":
		return key, key != ""
	case "research":
		return pseudonym(x.s.secret, p), true
	}
	return pnrText(p), true
}

// hides reports whether a private subscriber may not see p's name and address.
func (x *file) hides(p *xperson) bool {
	if x.s.Kind != "private" {
		return false
	}
	for _, t := range p.ProtTypes {
		if t == 1 {
			return true
		}
	}
	return false
}

// person writes one person; false if the subscriber may not see them.
func (x *file) person(p *xperson, hist []hrow) (bool, error) {
	id, ok := x.id(p.PNR, p.Key)
	if !ok {
		return false, nil
	}
	x.persons++
	x.events += int64(len(p.EvSeq))
	if x.s.Kind == "public" {
		x.records001(id, p, hist)
	} else {
		x.jsonPerson(id, p)
	}
	if x.s.Kind == "research" {
		// Held, and written in pseudonym order at close (as the register
		// writes it: pnr order would tell the day of birth).
		x.held = append(x.held, held{id: id, line: append([]byte(nil), x.buf...)})
		x.buf = x.buf[:0]
		return true, nil
	}
	return true, x.flushBuf()
}

func (x *file) records001(id string, p *xperson, hist []hrow) {
	b, s := x.b, x.s
	b.Reset("001")
	b.Set("PNR", id)
	if p.CurrentPNR != 0 {
		b.Set("PNRGAELD", pnrText(p.CurrentPNR))
	} else {
		b.Set("PNRGAELD", id)
	}
	b.SetInt("STATUS", int(p.Status))
	setDay(b, "STATUSHAENSTART", p.StatusFrom)
	b.Set("KOEN", sexCode(p.Sex))
	setDate(b, "FOED_DT", p.Birth)
	x.emit()
	if s.has("address") && p.Kommune != 0 {
		b.Reset("002")
		b.Set("PNR", id)
		b.SetInt("KOMKOD", int(p.Kommune))
		b.SetInt("VEJKOD", int(p.Vejkode))
		b.Set("HUSNR", p.Husnr)
		b.Set("ETAGE", p.Etage)
		b.Set("SIDEDOER", p.Sidedoer)
		setDay(b, "TILFLYDTO", p.AddressFrom)
		setDay(b, "TILFLYKOMDTO", p.KommuneFrom)
		if p.PrevKommune != 0 {
			b.SetInt("FRAFLYKOMKOD", int(p.PrevKommune))
			setDay(b, "FRAFLYKOMDTO", p.KommuneFrom)
		}
		b.SetInt("START_MYNKOD-ADRTXT", int(p.Kommune))
		setDate(b, "START_DT-ADRTXT", p.AddressFrom)
		x.emit()
	}
	if s.has("clear_address") && p.Kommune != 0 {
		b.Reset("003")
		b.Set("PNR", id)
		b.Set("ADRNVN", p.Addr)
		b.Set("STANDARDADR", streetLine(p))
		b.Set("BYNVN", p.City)
		if p.Postnr != 0 {
			b.SetInt("POSTNR", int(p.Postnr))
		}
		b.Set("POSTDISTTXT", p.City)
		b.Set("VEJADRNVN", p.RoadName)
		b.SetInt("KOMKOD", int(p.Kommune))
		b.SetInt("VEJKOD", int(p.Vejkode))
		b.Set("HUSNR", p.Husnr)
		b.Set("ETAGE", p.Etage)
		b.Set("SIDEDOER", p.Sidedoer)
		x.emit()
	}
	if s.has("protection") {
		for i, t := range p.ProtTypes {
			b.Reset("004")
			b.Set("PNR", id)
			b.SetInt("BESKYTTYPE", int(t))
			setDate(b, "START_DT-BESKYTTELSE", p.ProtFrom[i])
			x.emit()
		}
	}
	if s.has("name") {
		b.Reset("008")
		b.Set("PNR", id)
		b.Set("FORNVN", p.First)
		b.Set("MELNVN", p.Middle)
		b.Set("EFTERNVN", p.Last)
		setDay(b, "NVNHAENSTART", p.NameFrom)
		b.Set("ADRNVN", p.Addr)
		x.emit()
	}
	if s.has("civil_status") {
		b.Reset("012")
		b.Set("PNR", id)
		b.Set("CIVST", p.Civil)
		if p.Spouse != 0 {
			b.Set("AEGTEPNR", pnrText(p.Spouse))
			b.Set("AEGTENVN", p.SpouseName)
		}
		setDay(b, "HAENSTART-CIVILSTAND", p.CivilFrom)
		x.emit()
	}
	if s.has("children") {
		for _, c := range p.Children {
			b.Reset("014")
			b.Set("PNR", id)
			b.Set("PNR#2", pnrText(c))
			x.emit()
		}
	}
	if s.has("parents") && (p.Mother != 0 || p.Father != 0) {
		b.Reset("015")
		b.Set("PNR", id)
		if p.Mother != 0 {
			setDate(b, "MOR_DT", p.Birth)
			b.Set("PNRMOR", pnrText(p.Mother))
			b.Set("MORNVN", p.MotherName)
		}
		if p.Father != 0 {
			setDate(b, "FAR_DT", p.Birth)
			b.Set("PNRFAR", pnrText(p.Father))
			b.Set("FARNVN", p.FatherName)
		}
		x.emit()
	}
	if s.has("history") {
		x.history(id, p, hist)
	}
	for i := range p.EvSeq {
		b.Reset("099")
		b.Set("PNR", id)
		b.Set("TIMESTAMPU", p.EvReg[i].In(copenhagen).Format("200601021504"))
		b.Set("HAENDELSE", eventCodes[p.EvKind[i]])
		if p.EvDerived[i] {
			b.Set("AFLEDTMRK", "AF")
		}
		x.emit()
	}
}

func (x *file) history(id string, p *xperson, hist []hrow) {
	b, s := x.b, x.s
	if p.PreviousPNR != 0 {
		b.Reset("022")
		b.Set("PNRGÆLD", id)
		b.Set("PNR", pnrText(p.PreviousPNR))
		x.emit()
	}
	for _, h := range hist {
		mark := ""
		if h.Marker == "K" || h.Marker == "A" {
			mark = h.Marker
		}
		var to time.Time
		if h.To != nil {
			to = *h.To
		}
		switch {
		case h.Fact == 'A' && s.has("address"):
			b.Reset("023")
			b.Set("PNR", id)
			b.Set("ANNKOR", mark)
			b.SetInt("KOMKOD", int(h.Kommune))
			b.SetInt("VEJKOD", int(h.Vejkode))
			b.Set("HUSNR", h.Husnr)
			b.Set("ETAGE", h.Etage)
			b.Set("SIDEDOER", h.Sidedoer)
			setDay(b, "TILFLYDTO", h.From)
			setDay(b, "FRAFLYDTO", to)
			x.emit()
		case h.Fact == 'N' && s.has("name"):
			b.Reset("026")
			b.Set("PNR", id)
			b.Set("ANNKOR", mark)
			b.Set("FORNVN", h.First)
			b.Set("MELNVN", h.Middle)
			b.Set("EFTERNVN", h.Last)
			b.Set("NVNHAENSTART", stamp(h.From))
			b.Set("NVNHAENSLUT", stamp(to))
			x.emit()
		case h.Fact == 'C' && s.has("civil_status"):
			b.Reset("029")
			b.Set("PNR", id)
			b.Set("ANNKOR", mark)
			b.Set("CIVST", h.Civil)
			if h.Spouse != nil {
				b.Set("AEGTEPNR", pnrText(*h.Spouse))
			}
			b.Set("HAENSTART-CIVILSTAND", stamp(h.From))
			b.Set("HAENSLUT-CIVILSTAND", stamp(to))
			x.emit()
		}
	}
}

// setDay writes a day into a 12-digit timestamp field; some have no date
// format in the layout and get yyyyMMddHHmm all the same.
func setDay(b *p12170.Builder, field string, t time.Time) {
	if t.IsZero() {
		return
	}
	if f := b.Record().Field(field); f != nil && f.DateFormat == "" {
		b.Set(field, stamp(t))
		return
	}
	b.SetTime(field, t)
}

func sexCode(s string) string {
	if s == "F" {
		return "K"
	}
	return s
}

// streetLine is the standard address text: "Road 12A, 2. th".
func streetLine(p *xperson) string {
	s := p.RoadName
	if p.Husnr != "" {
		s += " " + p.Husnr
	}
	if p.Etage != "" || p.Sidedoer != "" {
		s += ","
		if p.Etage != "" {
			s += " " + p.Etage + "."
		}
		if p.Sidedoer != "" {
			s += " " + p.Sidedoer
		}
	}
	return s
}

var copenhagen = func() *time.Location {
	l, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		return time.UTC
	}
	return l
}()

// jsonPerson writes one person of a JSON Lines extract (private and
// research subscribers): the same content as the P12170 records, within
// the scope, without the name and address of a protected person for a
// private subscriber, with customer keys or pseudonyms for every pnr.
func (x *file) jsonPerson(id string, p *xperson) {
	s := x.s
	hide := x.hides(p)
	rel := func(n int64, key string) string {
		v, _ := x.id(n, key)
		return v
	}
	// A research subscriber is told every date to the month only.
	day := dateText
	if s.Kind == "research" {
		day = monthText
	}
	out := map[string]any{"record": "person", "id": id, "status": fmt.Sprintf("%02d", p.Status),
		"status_from": day(p.StatusFrom), "sex": p.Sex, "birth": day(p.Birth)}
	if p.CurrentPNR != 0 {
		out["current_id"] = rel(p.CurrentPNR, "")
	}
	if (s.has("address") || s.has("clear_address")) && !hide && p.Kommune != 0 {
		a := map[string]any{"from": dateText(p.AddressFrom), "kommune_from": dateText(p.KommuneFrom)}
		if s.has("address") {
			a["kommunekode"], a["vejkode"] = fmt.Sprintf("%04d", p.Kommune), fmt.Sprintf("%04d", p.Vejkode)
			a["husnr"], a["etage"], a["sidedoer"] = p.Husnr, p.Etage, p.Sidedoer
		}
		if s.has("clear_address") {
			a["text"] = streetLine(p)
			a["postnr"], a["by"] = fmt.Sprintf("%04d", p.Postnr), p.City
		}
		out["address"] = a
	}
	if s.has("name") && !hide {
		out["name"] = map[string]any{"first": p.First, "middle": p.Middle, "last": p.Last, "addressing": p.Addr,
			"from": dateText(p.NameFrom)}
	}
	if s.has("civil_status") {
		out["civil_status"] = map[string]any{"code": p.Civil, "spouse": rel(p.Spouse, p.SpouseKey), "from": day(p.CivilFrom)}
	}
	if s.has("protection") && len(p.ProtTypes) > 0 {
		var ps []map[string]any
		for i, t := range p.ProtTypes {
			ps = append(ps, map[string]any{"type": fmt.Sprintf("%04d", t), "from": dateText(p.ProtFrom[i])})
		}
		out["protections"] = ps
	}
	if s.has("children") {
		var cs []string
		for i, c := range p.Children {
			key := ""
			if i < len(p.ChildKeys) {
				key = p.ChildKeys[i]
			}
			if v := rel(c, key); v != "" {
				cs = append(cs, v)
			}
		}
		if len(cs) > 0 {
			out["children"] = cs
		}
	}
	if s.has("parents") {
		if v := rel(p.Mother, p.MotherKey); v != "" {
			out["mother"] = v
		}
		if v := rel(p.Father, p.FatherKey); v != "" {
			out["father"] = v
		}
	}
	if len(p.EvSeq) > 0 {
		var evs []map[string]any
		for i := range p.EvSeq {
			e := map[string]any{"seq": p.EvSeq[i], "kind": p.EvKind[i], "code": eventCodes[p.EvKind[i]],
				"effective": dateText(p.EvEffective[i]), "registered": p.EvReg[i].UTC().Format("2006-01-02T15:04:05.000000Z")}
			if s.Kind == "research" { // no seq (the same for every recipient), months only
				delete(e, "seq")
				e["effective"], e["registered"] = monthText(p.EvEffective[i]), monthText(p.EvReg[i].In(copenhagen))
			}
			if p.EvDerived[i] {
				e["derived"] = true
			}
			evs = append(evs, e)
		}
		out["events"] = evs
	}
	x.json(out)
}
