package address

import "testing"

func TestStreetLineText(t *testing.T) {
	rs := testRoads(t)
	for _, tc := range []struct {
		name       string
		a          Address
		line, text string
	}{
		{"floor and door", Address{157, 786, "123A", "st", "tv"},
			"Strandvejen 123A, st. tv", "Strandvejen 123A, st. tv, 2900 Hellerup"},
		{"numbered floor", Address{101, 812, "3", "2", "th"},
			"Vesterbrogade 3, 2. th", "Vesterbrogade 3, 2. th, 1620 København V"},
		{"house only", Address{101, 500, "7", "", ""},
			"Nørregade 7", "Nørregade 7, 1165 København K"},
		{"floor without door", Address{101, 500, "7", "1", ""},
			"Nørregade 7, 1.", "Nørregade 7, 1., 1165 København K"},
		{"basement", Address{101, 500, "7", "kl", ""},
			"Nørregade 7, kl.", "Nørregade 7, kl., 1165 København K"},
		{"door without floor", Address{101, 500, "7", "", "3"},
			"Nørregade 7, 3", "Nørregade 7, 3, 1165 København K"},
		{"high floor, door number", Address{101, 500, "7B", "12", "1204"},
			"Nørregade 7B, 12. 1204", "Nørregade 7B, 12. 1204, 1165 København K"},
		{"special road", Address{157, 9900, "", "", ""},
			"Uden fast bopæl", "Uden fast bopæl, 2900 Hellerup"},
		{"special road ignores husnr", Address{157, 9900, "4", "st", ""},
			"Uden fast bopæl", "Uden fast bopæl, 2900 Hellerup"},
		{"long name", Address{101, 301, "1", "", ""},
			"H.C. Andersens Boulevard 1", "H.C. Andersens Boulevard 1, 1553 København V"},
		{"unknown road", Address{157, 1, "1", "", ""}, "", ""},
		{"zero", Address{}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rs.StreetLine(tc.a); got != tc.line {
				t.Errorf("StreetLine = %q, want %q", got, tc.line)
			}
			if got := rs.Text(tc.a); got != tc.text {
				t.Errorf("Text = %q, want %q", got, tc.text)
			}
		})
	}
}
