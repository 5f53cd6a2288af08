package register

import (
	"strings"
	"unicode"

	"cpr/pnr"
)

// Name keys for search. A name is folded to lower-case ASCII letters the
// way a Danish reader would spell it without the special letters (æ ae,
// ø oe, å aa, é e, ü ue), and given a phonetic key that forgives the usual
// spelling variants (Pedersen/Petersen, Christensen/Kristensen,
// Sørensen/Sorensen, Jensen/Jenssen).

// FoldName folds s for exact, case-insensitive matching.
func FoldName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'æ', 'ä':
			b.WriteString("ae")
		case 'ø', 'ö':
			b.WriteString("oe")
		case 'å':
			b.WriteString("aa")
		case 'ü':
			b.WriteString("ue")
		case 'é', 'è', 'ê', 'ë':
			b.WriteByte('e')
		case 'á', 'à', 'â':
			b.WriteByte('a')
		case 'í', 'ì', 'î', 'ï':
			b.WriteByte('i')
		case 'ó', 'ò', 'ô':
			b.WriteByte('o')
		case 'ú', 'ù', 'û':
			b.WriteByte('u')
		case 'ç':
			b.WriteByte('c')
		case 'ñ':
			b.WriteByte('n')
		case 'ß':
			b.WriteString("ss")
		case ' ', '-', '\'', '.', ',':
			b.WriteByte(' ')
		default:
			if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				b.WriteRune(r)
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// PhoneticName is a sound key of one folded word: the first sound and the
// consonant classes after it, vowels dropped, repeats collapsed.
func PhoneticName(word string) string {
	w := FoldName(word)
	w = strings.ReplaceAll(w, " ", "")
	if w == "" {
		return ""
	}
	for _, rep := range [][2]string{
		{"sch", "s"}, {"ch", "k"}, {"ph", "f"}, {"th", "t"}, {"ck", "k"}, {"qu", "kv"},
		{"aa", "o"}, {"oe", "o"}, {"ae", "e"}, {"dt", "t"}, {"hv", "v"}, {"hj", "j"},
	} {
		w = strings.ReplaceAll(w, rep[0], rep[1])
	}
	var out []byte
	last := byte(0)
	for i := 0; i < len(w); i++ {
		c := class(w[i])
		if i == 0 {
			first := w[0]
			switch first {
			case 'c', 'q':
				first = 'k'
			case 'w':
				first = 'v'
			case 'z':
				first = 's'
			case 'y':
				first = 'i'
			}
			if isVowel(first) {
				first = 'a'
			}
			out = append(out, first)
			last = c
			continue
		}
		if c == 0 {
			last = 0
			continue
		}
		if c != last {
			out = append(out, c)
		}
		last = c
		if len(out) == 8 {
			break
		}
	}
	return string(out)
}

func isVowel(c byte) bool { return strings.IndexByte("aeiouy", c) >= 0 }

// class is the consonant class of c, or 0 for vowels and h, w.
func class(c byte) byte {
	switch c {
	case 'b', 'p', 'f', 'v':
		return '1'
	case 'c', 'g', 'j', 'k', 'q', 's', 'x', 'z':
		return '2'
	case 'd', 't':
		return '3'
	case 'l':
		return '4'
	case 'm', 'n':
		return '5'
	case 'r':
		return '6'
	}
	return 0
}

// nameKeys are the search index keys of a person's name: the folded last
// name with the folded given names, and the same as sound keys.
func nameKeys(n Name, p pnr.PNR) (folded, phonetic []byte) {
	return (*nameCache)(nil).keys(n, p, nil, nil)
}

// nameCache remembers the folded and sound forms of names seen before (a
// bulk load meets the same names again and again). A nil cache computes.
// It holds single names (a last, a first, a middle name), not the given
// names together: there are far fewer of those, so the map stays small
// enough to stay in the processor's cache.
type nameCache struct {
	forms map[string]nameForms
}

// nameForms are a name folded (FoldName) and the sound of the folded name
// (phoneticWords).
type nameForms struct{ fold, sound string }

func formsOf(s string) nameForms {
	f := FoldName(s)
	return nameForms{f, phoneticWords(f)}
}

// maxNameCache bounds a nameCache (a few MiB).
const maxNameCache = 1 << 18

// get returns the forms of the name s.
func (c *nameCache) get(s string) nameForms {
	if c == nil {
		return formsOf(s)
	}
	if v, ok := c.forms[s]; ok {
		return v
	}
	if c.forms == nil {
		c.forms = map[string]nameForms{}
	}
	v := formsOf(s)
	if len(c.forms) < maxNameCache {
		c.forms[s] = v
	}
	return v
}

// keys appends the folded and the sound key of n for p to fdst and pdst.
func (c *nameCache) keys(n Name, p pnr.PNR, fdst, pdst []byte) (folded, phonetic []byte) {
	// Folding works word by word, so the given names fold (and sound) as
	// the first name's words followed by the middle name's.
	last, first, middle := c.get(n.Last), c.get(n.First), c.get(n.Middle)
	folded = appendNameKey2(fdst, tagName, last.fold, first.fold, middle.fold, p)
	phonetic = appendNameKey2(pdst, tagPhonetic, last.sound, first.sound, middle.sound, p)
	return folded, phonetic
}
