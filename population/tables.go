package population

// Tables: the population of Denmark in round numbers, and the names,
// countries and places the generator draws from. All names and texts are
// ISO-8859-1 (the register holds nothing else).

// pyramid5 is the population of Denmark on 1 January 2024 by five-year age
// group (0-4, 5-9, ..., 100-104), in thousands, rounded (Statistics
// Denmark, FOLK1A).
var pyramid5 = [21]float64{
	298, 308, 335, 338, 372, 402, 385, 352, 345, 372,
	398, 404, 358, 323, 306, 262, 158, 80, 32, 8, 1.2,
}

// maxAge is the highest age generated.
const maxAge = 104

// kommunePopulation is the approximate population of each of the 98
// kommuner (2024, rounded), which weights where households live.
var kommunePopulation = []struct {
	code uint16
	pop  int32
}{
	{101, 660_000}, {147, 105_000}, {151, 50_000}, {153, 39_000}, {155, 15_000},
	{157, 75_000}, {159, 70_000}, {161, 24_000}, {163, 30_000}, {165, 28_000},
	{167, 54_000}, {169, 58_000}, {173, 57_000}, {175, 41_000}, {183, 24_000},
	{185, 44_000}, {187, 17_000}, {190, 42_000}, {201, 26_000}, {210, 42_000},
	{217, 64_000}, {219, 53_000}, {223, 25_000}, {230, 57_000}, {240, 44_000},
	{250, 46_000}, {253, 51_000}, {259, 62_000}, {260, 31_000}, {265, 90_000},
	{269, 24_000}, {270, 41_000}, {306, 33_000}, {316, 73_000}, {320, 38_000},
	{326, 48_000}, {329, 36_000}, {330, 80_000}, {336, 23_000}, {340, 30_000},
	{350, 29_000}, {360, 40_000}, {370, 84_000}, {376, 60_000}, {390, 45_000},
	{400, 39_000}, {410, 39_000}, {420, 41_000}, {430, 52_000}, {440, 24_000},
	{450, 32_000}, {461, 210_000}, {479, 59_000}, {480, 29_000}, {482, 12_000},
	{492, 6_000}, {510, 55_000}, {530, 27_000}, {540, 73_000}, {550, 37_000},
	{561, 115_000}, {563, 3_500}, {573, 50_000}, {575, 43_000}, {580, 59_000},
	{607, 52_000}, {615, 97_000}, {621, 95_000}, {630, 122_000}, {657, 90_000},
	{661, 59_000}, {665, 19_000}, {671, 21_000}, {706, 43_000}, {707, 37_000},
	{710, 50_000}, {727, 24_000}, {730, 100_000}, {740, 100_000}, {741, 3_700},
	{746, 65_000}, {751, 365_000}, {756, 42_000}, {760, 56_000}, {766, 47_000},
	{773, 20_000}, {779, 46_000}, {787, 43_000}, {791, 98_000}, {810, 37_000},
	{813, 58_000}, {820, 36_000}, {825, 1_800}, {840, 31_000}, {846, 41_000},
	{849, 38_000}, {851, 222_000}, {860, 64_000},
}

// lastNames are the 100 commonest Danish surnames with their bearers in
// thousands (Statistics Denmark, 2024, rounded).
var lastNames = []struct {
	name string
	k    float64
}{
	{"Nielsen", 234}, {"Jensen", 233}, {"Hansen", 200}, {"Andersen", 166}, {"Pedersen", 153},
	{"Christensen", 111}, {"Larsen", 108}, {"Sørensen", 102}, {"Rasmussen", 86}, {"Jørgensen", 82},
	{"Petersen", 70}, {"Madsen", 61}, {"Kristensen", 59}, {"Olsen", 52}, {"Thomsen", 44},
	{"Christiansen", 40}, {"Poulsen", 35}, {"Johansen", 34}, {"Møller", 34}, {"Mortensen", 30},
	{"Knudsen", 27}, {"Jakobsen", 24}, {"Mikkelsen", 22}, {"Jacobsen", 21}, {"Olesen", 21},
	{"Frederiksen", 20}, {"Laursen", 19}, {"Lund", 19}, {"Henriksen", 18}, {"Schmidt", 16},
	{"Holm", 16}, {"Eriksen", 15}, {"Kristiansen", 15}, {"Clausen", 14}, {"Simonsen", 14},
	{"Svendsen", 13}, {"Andreasen", 13}, {"Iversen", 12}, {"Jeppesen", 11}, {"Mogensen", 11},
	{"Jespersen", 11}, {"Nissen", 11}, {"Lauridsen", 11}, {"Frandsen", 10}, {"Østergaard", 10},
	{"Jepsen", 10}, {"Kjær", 10}, {"Carlsen", 9.5}, {"Vestergaard", 9.5}, {"Jessen", 9.4},
	{"Nørgaard", 9.3}, {"Dahl", 9.3}, {"Christoffersen", 8.9}, {"Skov", 8.8}, {"Søndergaard", 8.7},
	{"Bertelsen", 8.5}, {"Bruun", 8.4}, {"Lassen", 8.3}, {"Bach", 8.2}, {"Gregersen", 8.1},
	{"Friis", 7.9}, {"Johnsen", 7.8}, {"Steffensen", 7.6}, {"Kjeldsen", 7.5}, {"Bech", 7.4},
	{"Krogh", 7.3}, {"Lauritsen", 7.2}, {"Danielsen", 7.1}, {"Mathiesen", 7.0}, {"Andresen", 6.9},
	{"Brandt", 6.8}, {"Winther", 6.7}, {"Toft", 6.6}, {"Ravn", 6.5}, {"Mathiasen", 6.4},
	{"Dam", 6.3}, {"Holst", 6.2}, {"Nilsson", 6.1}, {"Lind", 6.0}, {"Berg", 5.9},
	{"Schou", 5.8}, {"Overgaard", 5.7}, {"Kristoffersen", 5.6}, {"Hermansen", 5.5}, {"Schultz", 5.4},
	{"Klausen", 5.3}, {"Koch", 5.2}, {"Thygesen", 5.1}, {"Vinther", 5.0}, {"Thorsen", 4.9},
	{"Riis", 4.8}, {"Damgaard", 4.7}, {"Christophersen", 4.6}, {"Kirkegaard", 4.5}, {"Hedegaard", 4.4},
	{"Juhl", 4.3}, {"Berthelsen", 4.2}, {"Kofoed", 4.1}, {"Mouritsen", 4.0}, {"Nygaard", 3.9},
}

// middleNames are family names Danes carry as a middle name.
var middleNames = []string{
	"Krogh", "Holm", "Skov", "Lund", "Dahl", "Bach", "Juhl", "Vestergaard", "Kjær", "Bech",
	"Toft", "Friis", "Brandt", "Winther", "Ravn", "Dam", "Holst", "Lind", "Berg", "Schou",
	"Overgaard", "Bruun", "Nørgaard", "Østergaard", "Søndergaard", "Damgaard", "Hedegaard",
	"Kirkegaard", "Lykke", "Storm", "Møller", "Riis", "Kofoed", "Nygaard", "Bang", "Due",
	"Gade", "Hald", "Hviid", "Kamp", "Munk", "Skovgaard", "Steen", "Svane", "Thorup", "Vang",
}

// Given names, commonest first, by the era of birth: before 1955,
// 1955-1989, 1990 on.
var (
	femaleFirst = [3][]string{
		{"Kirsten", "Karen", "Inge", "Else", "Grethe", "Ingrid", "Bente", "Birthe", "Lis", "Jytte",
			"Anna", "Inger", "Ruth", "Hanne", "Ellen", "Edith", "Gerda", "Bodil", "Lise", "Tove",
			"Elisabeth", "Marie", "Margit", "Eva", "Aase", "Ester", "Gudrun", "Johanne", "Karin",
			"Lilly", "Rigmor", "Agnete", "Erna", "Dagmar", "Ida"},
		{"Susanne", "Anne", "Mette", "Hanne", "Helle", "Lene", "Marianne", "Lone", "Pia", "Charlotte",
			"Tina", "Gitte", "Camilla", "Louise", "Maria", "Dorte", "Bente", "Annette", "Jette", "Rikke",
			"Heidi", "Trine", "Karina", "Malene", "Tanja", "Sanne", "Stine", "Christina", "Katrine",
			"Line", "Maiken", "Sara", "Julie", "Mia", "Nina", "Anja", "Lotte", "Janne", "Marie", "Kristina"},
		{"Emma", "Ida", "Sofie", "Freja", "Clara", "Anna", "Laura", "Alma", "Ella", "Karla",
			"Olivia", "Agnes", "Josefine", "Mathilde", "Caroline", "Isabella", "Nora", "Alberte", "Asta",
			"Frida", "Liva", "Lærke", "Sofia", "Emilie", "Julie", "Sarah", "Cecilie", "Amalie", "Astrid",
			"Luna", "Ellen", "Vilma", "Esther", "Lea", "Marie", "Maja", "Signe", "Ditte", "Nanna",
			"Mille", "Emily", "Victoria"},
	}
	maleFirst = [3][]string{
		{"Jens", "Niels", "Hans", "Poul", "Erik", "Svend", "Knud", "Aage", "Kaj", "Børge",
			"Arne", "Bent", "Leif", "Ole", "Jørgen", "Carl", "Preben", "Finn", "Henning", "Johannes",
			"Karl", "Viggo", "Egon", "Erling", "Mogens", "Palle", "Verner", "Kurt", "Gunnar", "Vagn",
			"Frode", "Helge", "Holger", "Ejnar", "Tage"},
		{"Peter", "Michael", "Lars", "Thomas", "Henrik", "Søren", "Jan", "Morten", "Jesper", "Anders",
			"Martin", "Christian", "Brian", "Kim", "Claus", "Allan", "René", "Bo", "Torben", "Jacob",
			"Steen", "Per", "Carsten", "Rasmus", "Kasper", "Mads", "Nicolai", "Jonas", "Simon", "Mikkel",
			"Daniel", "Kenneth", "Dennis", "Jimmy", "Jens", "Niels", "Frank", "Tommy", "Ulrik", "Kristian"},
		{"William", "Noah", "Oscar", "Lucas", "Carl", "Victor", "Malthe", "Emil", "Alfred", "Oliver",
			"Magnus", "Frederik", "Elias", "August", "Valdemar", "Aksel", "Anton", "Felix", "Arthur",
			"Villads", "Mads", "Mathias", "Alexander", "Sebastian", "Tobias", "Jonas", "Christian",
			"Nikolaj", "Benjamin", "Johan", "Theo", "Liam", "Storm", "Bertram", "Konrad", "Otto",
			"Marius", "Laurits", "Andreas", "Rasmus", "Adam", "Viggo"},
	}
	// Second given names, used as a middle name.
	femaleSecond = []string{"Marie", "Louise", "Sofie", "Margrethe", "Kristine", "Katrine", "Elisabeth", "Helene", "Amalie"}
	maleSecond   = []string{"Peter", "Christian", "Emil", "Frederik", "Valdemar", "Johan", "Carl", "August", "Henrik"}
)

// CPR country codes (myndighedskoder). Note that 5130 is France and 5170
// the United Kingdom in CPR's table.
const (
	countryDenmark   uint16 = 5100
	countryStateless uint16 = 5103
	countryFinland   uint16 = 5104
	countryIceland   uint16 = 5106
	countryNorway    uint16 = 5110
	countrySweden    uint16 = 5120
	countryBelgium   uint16 = 5126
	countryBulgaria  uint16 = 5128
	countryFrance    uint16 = 5130
	countryGreece    uint16 = 5134
	countryNetherl   uint16 = 5140
	countryIreland   uint16 = 5142
	countryItaly     uint16 = 5150
	countryPoland    uint16 = 5154
	countryPortugal  uint16 = 5156
	countryRomania   uint16 = 5158
	countrySwitzerl  uint16 = 5160
	countrySpain     uint16 = 5164
	countryUK        uint16 = 5170
	countryTurkey    uint16 = 5172
	countryHungary   uint16 = 5174
	countryGermany   uint16 = 5180
	countryAustria   uint16 = 5182
	countryUSA       uint16 = 5390
)

// nameSet is how people of one country are named.
type nameSet struct {
	female, male []string
	last         []string
	lastFemale   []string // nil: women use last
}

var (
	namesGerman = nameSet{
		female: []string{"Sabine", "Julia", "Katharina", "Anja", "Claudia", "Lena", "Petra", "Laura"},
		male:   []string{"Thomas", "Michael", "Andreas", "Stefan", "Jan", "Lukas", "Markus", "Jonas"},
		last:   []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann"},
	}
	namesEnglish = nameSet{
		female: []string{"Sarah", "Emily", "Jessica", "Emma", "Laura", "Rachel", "Jennifer", "Hannah"},
		male:   []string{"James", "John", "David", "Michael", "Daniel", "Robert", "William", "Thomas"},
		last:   []string{"Smith", "Jones", "Williams", "Brown", "Taylor", "Johnson", "Miller", "Murphy", "Wilson", "Davies"},
	}
	namesFrench = nameSet{
		female: []string{"Marie", "Camille", "Julie", "Léa", "Sophie", "Claire", "Chloé", "Manon"},
		male:   []string{"Pierre", "Nicolas", "Julien", "Thomas", "Antoine", "Louis", "Hugo", "Maxime"},
		last:   []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"},
	}
	namesArabic = nameSet{
		female: []string{"Fatima", "Aisha", "Mariam", "Noor", "Huda", "Sara", "Zainab", "Layla"},
		male:   []string{"Mohammad", "Ahmad", "Ali", "Omar", "Hassan", "Khaled", "Youssef", "Ibrahim"},
		last:   []string{"Ahmad", "Hassan", "Ali", "Mahmoud", "Ibrahim", "Khalil", "Saleh", "Mustafa"},
	}
)

// country is a citizenship held by foreign citizens living in Denmark,
// weighted by about how many do (thousands, 2024; only countries whose CPR
// code this package knows).
type country struct {
	code   uint16
	weight float64
	names  nameSet
}

var countries = []country{
	{countryPoland, 45, nameSet{
		female:     []string{"Anna", "Katarzyna", "Magdalena", "Agnieszka", "Joanna", "Monika", "Ewa", "Marta"},
		male:       []string{"Piotr", "Tomasz", "Marcin", "Krzysztof", "Pawel", "Michal", "Jakub", "Adam"},
		last:       []string{"Nowak", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", "Kowalski", "Lewandowski", "Kaminski"},
		lastFemale: []string{"Nowak", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", "Kowalska", "Lewandowska", "Kaminska"},
	}},
	{countryRomania, 40, nameSet{
		female: []string{"Maria", "Elena", "Ioana", "Andreea", "Alexandra", "Mihaela", "Cristina", "Ana"},
		male:   []string{"Andrei", "Alexandru", "Ionut", "Mihai", "Florin", "Adrian", "Bogdan", "Gabriel"},
		last:   []string{"Popescu", "Popa", "Ionescu", "Constantin", "Dumitru", "Stan", "Munteanu", "Lazar"},
	}},
	{countryGermany, 30, namesGerman},
	{countryTurkey, 28, nameSet{
		female: []string{"Fatma", "Ayse", "Emine", "Hatice", "Zeynep", "Elif", "Meryem", "Esra"},
		male:   []string{"Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "Ibrahim", "Murat"},
		last:   []string{"Yilmaz", "Kaya", "Demir", "Sahin", "Çelik", "Yildiz", "Aydin", "Öztürk"},
	}},
	{countryUK, 18, namesEnglish},
	{countryItaly, 16, nameSet{
		female: []string{"Giulia", "Francesca", "Chiara", "Sara", "Maria", "Elena", "Martina", "Valentina"},
		male:   []string{"Marco", "Luca", "Andrea", "Giuseppe", "Francesco", "Matteo", "Alessandro", "Lorenzo"},
		last:   []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"},
	}},
	{countrySweden, 16, nameSet{
		female: []string{"Anna", "Eva", "Maria", "Karin", "Elin", "Sara", "Emma", "Kristina"},
		male:   []string{"Erik", "Lars", "Karl", "Anders", "Johan", "Per", "Nils", "Mikael"},
		last:   []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson"},
	}},
	{countryNorway, 15, nameSet{
		female: []string{"Kari", "Ingrid", "Anne", "Marit", "Nora", "Hilde", "Silje", "Ingeborg"},
		male:   []string{"Ole", "Jan", "Per", "Bjørn", "Lars", "Kjetil", "Håkon", "Magnus"},
		last:   []string{"Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Berg", "Haugen", "Bakken"},
	}},
	{countryBulgaria, 14, nameSet{
		female:     []string{"Maria", "Ivanka", "Elena", "Yordanka", "Desislava", "Gergana", "Petya", "Nadezhda"},
		male:       []string{"Georgi", "Ivan", "Dimitar", "Nikolay", "Petar", "Hristo", "Stoyan", "Todor"},
		last:       []string{"Ivanov", "Georgiev", "Dimitrov", "Petrov", "Nikolov", "Hristov", "Stoyanov", "Todorov"},
		lastFemale: []string{"Ivanova", "Georgieva", "Dimitrova", "Petrova", "Nikolova", "Hristova", "Stoyanova", "Todorova"},
	}},
	{countrySpain, 12, nameSet{
		female: []string{"María", "Carmen", "Laura", "Lucía", "Ana", "Marta", "Paula", "Elena"},
		male:   []string{"José", "Antonio", "Javier", "David", "Carlos", "Pablo", "Daniel", "Alejandro"},
		last:   []string{"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez"},
	}},
	{countryFrance, 8, namesFrench},
	{countryUSA, 8, namesEnglish},
	{countryNetherl, 7, nameSet{
		female: []string{"Anna", "Sanne", "Lisa", "Eva", "Emma", "Fleur", "Anouk", "Femke"},
		male:   []string{"Jan", "Daan", "Pieter", "Sem", "Lucas", "Bram", "Thijs", "Ruben"},
		last:   []string{"de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer"},
	}},
	{countryHungary, 6, nameSet{
		female: []string{"Anna", "Eszter", "Katalin", "Zsófia", "Réka", "Judit", "Andrea", "Erika"},
		male:   []string{"László", "István", "Gábor", "Zoltán", "Péter", "Balázs", "Attila", "Tamás"},
		last:   []string{"Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár"},
	}},
	{countryIceland, 5, nameSet{
		female:     []string{"Guðrún", "Anna", "Kristín", "Sigríður", "Helga", "Margrét"},
		male:       []string{"Jón", "Sigurður", "Guðmundur", "Gunnar", "Ólafur", "Einar"},
		last:       []string{"Jónsson", "Sigurðsson", "Guðmundsson", "Gunnarsson", "Ólafsson", "Einarsson"},
		lastFemale: []string{"Jónsdóttir", "Sigurðardóttir", "Guðmundsdóttir", "Gunnarsdóttir", "Ólafsdóttir", "Einarsdóttir"},
	}},
	{countryGreece, 5, nameSet{
		female:     []string{"Maria", "Eleni", "Aikaterini", "Vasiliki", "Sofia", "Georgia"},
		male:       []string{"Georgios", "Ioannis", "Konstantinos", "Dimitrios", "Nikolaos", "Panagiotis"},
		last:       []string{"Papadopoulos", "Papadakis", "Georgiou", "Oikonomou", "Nikolaidis", "Vasileiou"},
		lastFemale: []string{"Papadopoulou", "Papadaki", "Georgiou", "Oikonomou", "Nikolaidou", "Vasileiou"},
	}},
	{countryPortugal, 5, nameSet{
		female: []string{"Ana", "Maria", "Beatriz", "Inês", "Mariana", "Sofia"},
		male:   []string{"João", "Pedro", "Tiago", "Rui", "Miguel", "Nuno"},
		last:   []string{"Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins"},
	}},
	{countryFinland, 3, nameSet{
		female: []string{"Anne", "Tiina", "Laura", "Sanna", "Maria", "Johanna"},
		male:   []string{"Juha", "Mikko", "Timo", "Jari", "Antti", "Kari"},
		last:   []string{"Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen"},
	}},
	{countryIreland, 3, namesEnglish},
	{countryStateless, 3, namesArabic},
	{countryBelgium, 2, namesFrench},
	{countryAustria, 2, namesGerman},
	{countrySwitzerl, 2, namesGerman},
}

// destination is where emigrants live: the country, and the texts of a
// plausible address there.
type destination struct {
	code        uint16
	weight      float64
	streets     []string
	places      []string // the second line: postcode and town
	numberFirst bool     // "12 High Street" rather than "Storgatan 12"
}

var destinations = []destination{
	{countrySweden, 22, []string{"Storgatan", "Drottninggatan", "Kungsgatan", "Södra Förstadsgatan", "Vasagatan"},
		[]string{"211 34 Malmö", "111 51 Stockholm", "411 07 Göteborg", "252 21 Helsingborg", "222 21 Lund"}, false},
	{countryNorway, 14, []string{"Karl Johans gate", "Storgata", "Kongens gate", "Bygdøy allé", "Thorvald Meyers gate"},
		[]string{"0154 Oslo", "5003 Bergen", "7011 Trondheim", "4006 Stavanger"}, false},
	{countryGermany, 14, []string{"Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Goethestraße", "Lindenallee"},
		[]string{"24937 Flensburg", "20095 Hamburg", "10115 Berlin", "24103 Kiel", "80331 München"}, false},
	{countryUK, 12, []string{"High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue"},
		[]string{"London SW1A 1AA", "Manchester M1 1AE", "Edinburgh EH1 1YZ", "Bristol BS1 4DJ"}, true},
	{countryUSA, 9, []string{"Main Street", "Fifth Avenue", "Oak Street", "Maple Avenue", "Park Place"},
		[]string{"New York, NY 10118", "Seattle, WA 98101", "Chicago, IL 60601", "Solvang, CA 93463"}, true},
	{countrySpain, 9, []string{"Calle Mayor", "Avenida del Mar", "Calle Real", "Paseo Marítimo"},
		[]string{"29601 Marbella", "03001 Alicante", "28013 Madrid", "08002 Barcelona", "29640 Fuengirola"}, false},
	{countryFrance, 5, []string{"rue de Rivoli", "avenue Victor Hugo", "rue de la République", "boulevard Voltaire"},
		[]string{"75001 Paris", "69002 Lyon", "06000 Nice", "13001 Marseille"}, true},
	{countryNetherl, 4, []string{"Damrak", "Kerkstraat", "Dorpsstraat", "Stationsweg"},
		[]string{"1012 LG Amsterdam", "3011 AD Rotterdam", "3511 AA Utrecht"}, false},
	{countrySwitzerl, 4, []string{"Bahnhofstrasse", "Seestrasse", "Hauptstrasse", "Dorfstrasse"},
		[]string{"8001 Zürich", "1201 Genève", "4051 Basel", "3011 Bern"}, false},
	{countryIceland, 2, []string{"Laugavegur", "Skólavörðustígur", "Hverfisgata"},
		[]string{"101 Reykjavík", "600 Akureyri"}, false},
}
