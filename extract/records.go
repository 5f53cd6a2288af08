package extract

import (
	"strings"

	"cpr/address"
	"cpr/date"
	"cpr/extract/p12170"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// person is one person in an extract, with what the subscriber may see.
type person struct {
	id      string           // the pnr, customer key or pseudonym
	p       *register.Person // as of the extract's day, as known then
	history []register.Entry // HistoryView, when the scope has history
	events  []event          // change extracts: the day's changes
	// protectedNow: the person has 0001 today, as the register knows it
	// now (set by formatter.person for a private subscriber).
	protectedNow bool
}

type event struct {
	ev      *register.Event
	derived bool // the change was about another person (a spouse, a parent)
}

// Event codes of record 099 (HAENDELSE), three letters by change kind.
var eventCodes = map[register.Kind]string{
	register.KindBirth: "FOD", register.KindMove: "FLY", register.KindName: "NVN",
	register.KindMarriage: "VIE", register.KindDivorce: "SKI", register.KindDeath: "DOD",
	register.KindEmigration: "UDR", register.KindImmigration: "IND", register.KindProtection: "BES",
	register.KindPNRChange: "PNR", register.KindCorrection: "KOR",
}

// recordWriter builds the P12170 records of one person for one subscriber.
type recordWriter struct {
	sub   *subscription.Subscriber
	roads *address.Roads
	names func(p pnr.PNR) (register.Name, bool) // a relative's name (spouse, parents)
	ids   identity
	on    date.Date
	b     *p12170.Builder
	out   []byte
	n     int // records written
	// coarse: every date is told to the month only (day 00), for research
	coarse bool
}

func newRecordWriter(sub *subscription.Subscriber, roads *address.Roads, names func(pnr.PNR) (register.Name, bool), ids identity) *recordWriter {
	return &recordWriter{sub: sub, roads: roads, names: names, ids: ids, b: p12170.New("001"), coarse: coarse(sub)}
}

// coarse reports whether the subscriber is told dates to the month only.
func coarse(sub *subscription.Subscriber) bool { return sub.Kind == subscription.Research }

// monthOf is d told to the month only: day 00 (the zero date stays zero).
func monthOf(d date.Date) date.Date { return d / 100 * 100 }

// at is a date as the subscriber may see it: whole, or to the month.
func (w *recordWriter) at(d date.Date) date.Date {
	if w.coarse {
		return monthOf(d)
	}
	return d
}

func (w *recordWriter) emit() {
	w.out = w.b.AppendTo(w.out)
	w.n++
}

func (w *recordWriter) start(typ string) {
	w.b.Reset(typ)
}

// setDate writes a date in the field's date format; a date with day 00
// (monthOf) is written as year and month with day 00.
func setDate(b *p12170.Builder, field string, d date.Date) {
	switch {
	case d == 0:
	case d.Day() == 0:
		b.SetMonth(field, d.Year(), d.Month())
	default:
		b.SetDate(field, d.Year(), d.Month(), d.Day())
	}
}

// setDay writes a day into a 12-digit timestamp field; some of them have
// no date format in the layout, and get yyyyMMddHHmm all the same.
func setDay(b *p12170.Builder, field string, d date.Date) {
	if d == 0 {
		return
	}
	i := b.Index(field)
	if b.Record().Fields[i].DateFormat == "" {
		b.SetAt(i, stamp(d))
		return
	}
	if d.Day() == 0 {
		b.SetMonthAt(i, d.Year(), d.Month())
		return
	}
	b.SetDateAt(i, d.Year(), d.Month(), d.Day()) // at 00:00
}

// relative is another person's number as this subscriber may see it.
func (w *recordWriter) relative(p pnr.PNR) string {
	id, ok := w.ids.of(p)
	if !ok {
		return ""
	}
	return id
}

// visible reports whether the subscriber may be told anything of the
// relative p: its number, birth date or name. A private subscriber is
// told nothing of a relative that is not its own customer (the birth
// date alone gives the first six digits of the pnr); it gets the
// relative's name in no case (records 012 and 015 name relatives for
// public subscribers only).
func (w *recordWriter) visible(p pnr.PNR) bool { return w.relative(p) != "" }

func sexCode(s pnr.Sex) string {
	if s == pnr.Female {
		return "K" // kvinde
	}
	if s == pnr.Male {
		return "M"
	}
	return ""
}

// person writes every record of one person the scope allows.
func (w *recordWriter) person(ps *person) {
	p, s := ps.p, w.sub.Allowed()
	hide := hidesNameAddress(w.sub, ps, w.on)
	b := w.b

	w.start("001")
	b.Set("PNR", ps.id)
	if !p.CurrentPNR.IsZero() {
		b.Set("PNRGAELD", w.relative(p.CurrentPNR))
	} else {
		b.Set("PNRGAELD", ps.id)
	}
	b.SetInt("STATUS", int(p.Status))
	setDay(b, "STATUSHAENSTART", w.at(p.StatusFrom))
	b.Set("KOEN", sexCode(p.Sex))
	setDate(b, "FOED_DT", w.at(p.BirthDate))
	w.emit()

	withAddress := !hide && !p.Residence.Address.IsZero()
	if s.Has(subscription.ScopeAddress) && withAddress {
		a := p.Residence.Address
		w.start("002")
		b.Set("PNR", ps.id)
		b.SetInt("KOMKOD", int(a.Kommunekode))
		b.SetInt("VEJKOD", int(a.Vejkode))
		setUnit(b, a)
		setDay(b, "TILFLYDTO", w.at(p.Residence.From))
		setDay(b, "TILFLYKOMDTO", w.at(p.Residence.KommuneFrom))
		if p.Residence.PreviousKommune != 0 {
			b.SetInt("FRAFLYKOMKOD", int(p.Residence.PreviousKommune))
			setDay(b, "FRAFLYKOMDTO", w.at(p.Residence.KommuneFrom))
		}
		b.SetInt("START_MYNKOD-ADRTXT", int(a.Kommunekode))
		setDate(b, "START_DT-ADRTXT", w.at(p.Residence.From))
		w.emit()
	}
	if s.Has(subscription.ScopeClearAddress) && withAddress {
		a := p.Residence.Address
		w.start("003")
		b.Set("PNR", ps.id)
		b.Set("ADRNVN", p.Name.Addressing)
		r, ok := w.roads.Lookup(a.Kommunekode, a.Vejkode)
		b.Set("STANDARDADR", standardAdr(w.roads, a, r, ok))
		b.Set("BYNVN", trimmedAlpha(r.By, address.WidthBynvn))
		if ok {
			b.SetInt("POSTNR", int(r.Postnr))
			b.Set("POSTDISTTXT", r.By)
			b.Set("VEJADRNVN", r.AddressingName)
		}
		b.SetInt("KOMKOD", int(a.Kommunekode))
		b.SetInt("VEJKOD", int(a.Vejkode))
		setUnit(b, a)
		w.emit()
	}
	if s.Has(subscription.ScopeProtection) {
		for _, pp := range p.Protections {
			w.start("004")
			b.Set("PNR", ps.id)
			b.SetInt("BESKYTTYPE", int(pp.Type))
			setDate(b, "START_DT-BESKYTTELSE", w.at(pp.From))
			setDate(b, "SLET_DT-BESKYTTELSE", w.at(pp.To))
			w.emit()
		}
	}
	if s.Has(subscription.ScopeName) && !hide {
		w.start("008")
		b.Set("PNR", ps.id)
		b.Set("FORNVN", p.Name.First)
		b.Set("MELNVN", p.Name.Middle)
		b.Set("EFTERNVN", p.Name.Last)
		setDay(b, "NVNHAENSTART", w.at(p.Name.From))
		b.Set("ADRNVN", p.Name.Addressing)
		w.emit()
	}
	if s.Has(subscription.ScopeCivil) {
		w.start("012")
		b.Set("PNR", ps.id)
		b.Set("CIVST", p.Civil.Code.String())
		if sp := p.Civil.Spouse; w.visible(sp) {
			b.Set("AEGTEPNR", w.relative(sp))
			setDate(b, "AEGTEFOED_DT", w.at(date.Of(sp.BirthDate())))
			if w.sub.Kind == subscription.Public {
				if n, ok := w.names(sp); ok {
					b.Set("AEGTENVN", n.Addressing)
				}
			}
		}
		setDay(b, "HAENSTART-CIVILSTAND", w.at(p.Civil.From))
		w.emit()
	}
	if s.Has(subscription.ScopeChildren) {
		for _, c := range p.Children {
			id := w.relative(c)
			if id == "" {
				continue
			}
			w.start("014")
			b.Set("PNR", ps.id)
			b.Set("PNR#2", id)
			w.emit()
		}
	}
	if s.Has(subscription.ScopeParents) && (w.visible(p.Mother) || w.visible(p.Father)) {
		w.start("015")
		b.Set("PNR", ps.id)
		w.parent(p.Mother, p.BirthDate, "MOR_DT", "PNRMOR", "MOR_FOED_DT", "MORNVN")
		w.parent(p.Father, p.BirthDate, "FAR_DT", "PNRFAR", "FAR_FOED_DT", "FARNVN")
		w.emit()
	}
	if s.Has(subscription.ScopeHistory) {
		w.history(ps, hide)
	}
	for _, e := range ps.events {
		w.start("099")
		b.Set("PNR", ps.id)
		if w.coarse {
			b.Set("TIMESTAMPU", stamp(monthOf(date.InCopenhagen(e.ev.Registered))))
		} else {
			b.Set("TIMESTAMPU", e.ev.Registered.In(date.Copenhagen).Format("200601021504"))
		}
		b.Set("HAENDELSE", eventCodes[e.ev.Kind])
		if e.derived {
			b.Set("AFLEDTMRK", "AF")
		}
		w.emit()
	}
}

func (w *recordWriter) parent(p pnr.PNR, since date.Date, dt, pnrF, birthF, nameF string) {
	if !w.visible(p) {
		return
	}
	b := w.b
	setDate(b, dt, w.at(since))
	b.Set(pnrF, w.relative(p))
	setDate(b, birthF, w.at(date.Of(p.BirthDate())))
	if w.sub.Kind == subscription.Public {
		if n, ok := w.names(p); ok {
			b.Set(nameF, n.Addressing)
		}
	}
}

// history writes records 022, 023, 026 and 029: the old number, and every
// address, name and civil status that is no longer in force (ended, or
// corrected K, or annulled A). A private subscriber gets no name or
// address that was in force while the person had 0001 (hiddenHistory).
func (w *recordWriter) history(ps *person, hide bool) {
	p, b := ps.p, w.b
	hidden := hiddenHistory(w.sub, p, ps.history)
	if !p.PreviousPNR.IsZero() {
		w.start("022")
		b.Set("PNRGÆLD", ps.id)
		b.Set("PNR", w.relative(p.PreviousPNR))
		w.emit()
	}
	for i := range ps.history {
		h := &ps.history[i]
		old := h.Marker == register.MarkK || h.Marker == register.MarkA || (h.To != 0 && h.To <= w.on)
		if !old || h.Marker == register.MarkCorrects || h.Marker == register.MarkAnnuls {
			continue
		}
		mark := ""
		if h.Marker == register.MarkK || h.Marker == register.MarkA {
			mark = string(rune(h.Marker))
		}
		switch h.Fact {
		case register.FactAddress:
			if hide || (hidden != nil && hidden(h)) || h.Address.IsZero() || !w.sub.Allowed().Has(subscription.ScopeAddress) {
				continue
			}
			w.start("023")
			b.Set("PNR", ps.id)
			b.Set("ANNKOR", mark)
			b.SetInt("KOMKOD", int(h.Address.Kommunekode))
			b.SetInt("VEJKOD", int(h.Address.Vejkode))
			setUnit(b, h.Address)
			setDay(b, "TILFLYDTO", w.at(h.From))
			setDay(b, "FRAFLYDTO", w.at(h.To))
			w.emit()
		case register.FactName:
			if hide || (hidden != nil && hidden(h)) || !w.sub.Allowed().Has(subscription.ScopeName) {
				continue
			}
			w.start("026")
			b.Set("PNR", ps.id)
			b.Set("ANNKOR", mark)
			b.Set("FORNVN", h.Name.First)
			b.Set("MELNVN", h.Name.Middle)
			b.Set("EFTERNVN", h.Name.Last)
			b.Set("NVNHAENSTART", stamp(w.at(h.From)))
			b.Set("NVNHAENSLUT", stamp(w.at(h.To)))
			w.emit()
		case register.FactCivil:
			if !w.sub.Allowed().Has(subscription.ScopeCivil) {
				continue
			}
			w.start("029")
			b.Set("PNR", ps.id)
			b.Set("ANNKOR", mark)
			b.Set("CIVST", h.Civil.String())
			if w.visible(h.Spouse) {
				b.Set("AEGTEPNR", w.relative(h.Spouse))
				b.Set("AEGTEFOED_DT", w.at(date.Of(h.Spouse.BirthDate())).String())
			}
			b.Set("HAENSTART-CIVILSTAND", stamp(w.at(h.From)))
			b.Set("HAENSLUT-CIVILSTAND", stamp(w.at(h.To)))
			w.emit()
		}
	}
}

// stamp formats a day as yyyyMMddHHmm for fields the layout gives no date
// format (the historical records).
func stamp(d date.Date) string {
	if d == 0 {
		return ""
	}
	var b [12]byte
	y, m, day := d.Year(), int(d.Month()), d.Day()
	b[0], b[1], b[2], b[3] = digit(y/1000), digit(y/100), digit(y/10), digit(y)
	b[4], b[5], b[6], b[7] = digit(m/10), digit(m), digit(day/10), digit(day)
	b[8], b[9], b[10], b[11] = '0', '0', '0', '0'
	return string(b[:])
}

// digit is the last decimal digit of n ≥ 0.
func digit(n int) byte { return byte('0' + n%10) }

// The address fields of records 002, 003 and 023 are address.Fixed's,
// trimmed; they are made here without Fixed's padded copies of every
// field (a status extract writes them millions of times).

// setUnit sets HUSNR, ETAGE and SIDEDOER.
func setUnit(b *p12170.Builder, a address.Address) {
	b.Set("HUSNR", trimmedAlpha(a.Husnr, address.WidthHusnr))
	b.Set("ETAGE", trimmedAlpha(a.Etage, address.WidthEtage))
	b.Set("SIDEDOER", trimmedAlpha(a.Sidedoer, address.WidthSidedoer))
}

// trimmedAlpha is strings.TrimSpace(address.PadAlpha(s, width)): s cut
// to width characters, without the spaces around it.
func trimmedAlpha(s string, width int) string {
	for i := range s {
		if width == 0 {
			s = s[:i]
			break
		}
		width--
	}
	return strings.TrimSpace(s)
}

// standardAdr is the trimmed STANDARDADR of address.Fixed: the street line
// under the road's addressing name. r and ok are the road's Lookup.
func standardAdr(roads *address.Roads, a address.Address, r address.Road, ok bool) string {
	if !ok {
		return ""
	}
	// StreetLine writes the road's name, then what depends on the address.
	line := roads.StreetLine(a)
	if !strings.HasPrefix(line, r.Name) {
		return strings.TrimSpace(roads.Fixed(a).StandardAdr)
	}
	return trimmedAlpha(r.AddressingName+line[len(r.Name):], address.WidthStandardAdr)
}
