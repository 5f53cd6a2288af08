package address

// Tables behind Demo and Synthetic.

// postDistrict is a real Danish postnr with its post district text.
type postDistrict struct {
	nr uint16
	by string
}

// postDistricts lists 1-5 real post districts per kommune, the main one
// first. Special roads use the first.
var postDistricts = map[uint16][]postDistrict{
	101: {{1050, "København K"}, {1620, "København V"}, {2100, "København Ø"}, {2200, "København N"}, {2300, "København S"}},
	147: {{2000, "Frederiksberg"}, {1850, "Frederiksberg C"}},
	151: {{2750, "Ballerup"}, {2740, "Skovlunde"}},
	153: {{2605, "Brøndby"}, {2660, "Brøndby Strand"}},
	155: {{2791, "Dragør"}},
	157: {{2900, "Hellerup"}, {2820, "Gentofte"}, {2920, "Charlottenlund"}, {2930, "Klampenborg"}},
	159: {{2860, "Søborg"}, {2880, "Bagsværd"}, {2870, "Dyssegård"}},
	161: {{2600, "Glostrup"}},
	163: {{2730, "Herlev"}},
	165: {{2620, "Albertslund"}},
	167: {{2650, "Hvidovre"}},
	169: {{2630, "Taastrup"}, {2640, "Hedehusene"}},
	173: {{2800, "Kongens Lyngby"}, {2830, "Virum"}},
	175: {{2610, "Rødovre"}},
	183: {{2635, "Ishøj"}},
	185: {{2770, "Kastrup"}},
	187: {{2625, "Vallensbæk"}, {2665, "Vallensbæk Strand"}},
	190: {{3500, "Værløse"}, {3520, "Farum"}},
	201: {{3450, "Allerød"}},
	210: {{3480, "Fredensborg"}, {2990, "Nivå"}, {3050, "Humlebæk"}, {2980, "Kokkedal"}},
	217: {{3000, "Helsingør"}, {3100, "Hornbæk"}, {3070, "Snekkersten"}},
	219: {{3400, "Hillerød"}},
	223: {{2970, "Hørsholm"}},
	230: {{2840, "Holte"}, {2850, "Nærum"}, {3460, "Birkerød"}},
	240: {{3660, "Stenløse"}, {3650, "Ølstykke"}, {2765, "Smørum"}},
	250: {{3600, "Frederikssund"}, {3630, "Jægerspris"}},
	253: {{2670, "Greve"}},
	259: {{4600, "Køge"}},
	260: {{3300, "Frederiksværk"}, {3390, "Hundested"}},
	265: {{4000, "Roskilde"}},
	269: {{2680, "Solrød Strand"}},
	270: {{3200, "Helsinge"}, {3250, "Gilleleje"}},
	306: {{4500, "Nykøbing Sj"}, {4550, "Asnæs"}, {4560, "Vig"}},
	316: {{4300, "Holbæk"}},
	320: {{4640, "Faxe"}, {4690, "Haslev"}},
	326: {{4400, "Kalundborg"}},
	329: {{4100, "Ringsted"}},
	330: {{4200, "Slagelse"}, {4220, "Korsør"}},
	336: {{4660, "Store Heddinge"}},
	340: {{4180, "Sorø"}},
	350: {{4320, "Lejre"}},
	360: {{4930, "Maribo"}, {4900, "Nakskov"}},
	370: {{4700, "Næstved"}},
	376: {{4800, "Nykøbing F"}},
	390: {{4760, "Vordingborg"}},
	400: {{3700, "Rønne"}, {3730, "Nexø"}},
	410: {{5500, "Middelfart"}},
	420: {{5610, "Assens"}},
	430: {{5750, "Ringe"}, {5600, "Faaborg"}},
	440: {{5300, "Kerteminde"}},
	450: {{5800, "Nyborg"}},
	461: {{5000, "Odense C"}, {5200, "Odense V"}, {5230, "Odense M"}},
	479: {{5700, "Svendborg"}},
	480: {{5400, "Bogense"}, {5450, "Otterup"}},
	482: {{5900, "Rudkøbing"}},
	492: {{5970, "Ærøskøbing"}, {5960, "Marstal"}},
	510: {{6100, "Haderslev"}},
	530: {{7190, "Billund"}, {7200, "Grindsted"}},
	540: {{6400, "Sønderborg"}},
	550: {{6270, "Tønder"}},
	561: {{6700, "Esbjerg"}, {6705, "Esbjerg Ø"}},
	563: {{6720, "Fanø"}},
	573: {{6800, "Varde"}},
	575: {{6600, "Vejen"}},
	580: {{6200, "Aabenraa"}},
	607: {{7000, "Fredericia"}},
	615: {{8700, "Horsens"}},
	621: {{6000, "Kolding"}},
	630: {{7100, "Vejle"}},
	657: {{7400, "Herning"}},
	661: {{7500, "Holstebro"}},
	665: {{7620, "Lemvig"}},
	671: {{7600, "Struer"}},
	706: {{8400, "Ebeltoft"}, {8410, "Rønde"}},
	707: {{8500, "Grenaa"}},
	710: {{8370, "Hadsten"}, {8450, "Hammel"}},
	727: {{8300, "Odder"}},
	730: {{8900, "Randers C"}},
	740: {{8600, "Silkeborg"}},
	741: {{8305, "Samsø"}},
	746: {{8660, "Skanderborg"}},
	751: {{8000, "Aarhus C"}, {8200, "Aarhus N"}, {8210, "Aarhus V"}},
	756: {{7430, "Ikast"}, {7330, "Brande"}},
	760: {{6950, "Ringkøbing"}, {6900, "Skjern"}},
	766: {{8722, "Hedensted"}},
	773: {{7900, "Nykøbing M"}},
	779: {{7800, "Skive"}},
	787: {{7700, "Thisted"}},
	791: {{8800, "Viborg"}},
	810: {{9700, "Brønderslev"}},
	813: {{9900, "Frederikshavn"}, {9990, "Skagen"}},
	820: {{9600, "Aars"}},
	825: {{9940, "Læsø"}},
	840: {{9530, "Støvring"}, {9520, "Skørping"}},
	846: {{9500, "Hobro"}},
	849: {{9440, "Aabybro"}},
	851: {{9000, "Aalborg"}, {9200, "Aalborg SV"}, {9220, "Aalborg Øst"}},
	860: {{9800, "Hjørring"}},
}

// sizeWeight scales a kommune's number of roads; kommuner not listed get a
// random weight of 0.8-1.25.
var sizeWeight = map[uint16]float64{
	101: 2.0, 751: 1.9, 461: 1.7, 851: 1.7, // the four cities
	147: 1.3, 265: 1.3, 330: 1.3, 370: 1.3, 561: 1.4, 615: 1.35, 621: 1.4,
	630: 1.4, 657: 1.35, 730: 1.4, 740: 1.35, 791: 1.3,
	155: 0.75, 187: 0.75, 492: 0.75, 563: 0.75, 741: 0.75, 825: 0.75, // small ones
}

// specialRoads are put in every kommune. CPR reserves vejkoder 9900-9999 for
// addresses without a physical road; these three are this package's choice.
var specialRoads = []struct {
	vejkode uint16
	name    string
}{
	{9900, "Uden fast bopæl"},
	{9901, "Ukendt adresse"},
	{9999, "Kommunens adresse"},
}

// famousRoads are real road names put in their kommune before the generated
// ones.
var famousRoads = map[uint16][]string{
	101: {"Strandvejen", "Vesterbrogade", "Nørrebrogade", "Østerbrogade", "Amagerbrogade",
		"Istedgade", "Gothersgade", "Bredgade", "Store Kongensgade", "H.C. Andersens Boulevard",
		"Nyhavn", "Strandboulevarden", "Frederiksberggade", "Jagtvej", "Tagensvej",
		"Enghavevej", "Valby Langgade", "Kongens Nytorv", "Rådhuspladsen"},
	147: {"Gammel Kongevej", "Falkoner Allé", "Frederiksberg Allé", "Smallegade",
		"Godthåbsvej", "Vesterbrogade", "Roskildevej", "Peter Bangs Vej", "Finsensvej"},
	157: {"Strandvejen", "Jægersborg Allé", "Bernstorffsvej", "Lyngbyvej", "Ordrupvej",
		"Tuborgvej", "Hellerupvej"},
	461: {"Vestergade", "Kongensgade", "Overgade", "Nørregade", "Albanigade",
		"Hjallesevej", "Søndre Boulevard", "Middelfartvej", "Rugårdsvej"},
	751: {"Søndergade", "Nørrebrogade", "Park Allé", "Frederiksgade", "Åboulevarden",
		"Randersvej", "Viborgvej", "Silkeborgvej", "Ryesgade", "Jægergårdsgade"},
	851: {"Boulevarden", "Algade", "Vesterbro", "Bispensgade", "Hobrovej",
		"Jomfru Ane Gade", "Kastetvej"},
}

// stems and suffixes make the generated road names: stem + suffix, as in
// "Skovvej", "Kirkestræde", "Rosenvænget".
var stems = []string{
	"Strand", "Skov", "Kirke", "Mølle", "Nørre", "Sønder", "Vester", "Øster",
	"Enghave", "Bakke", "Birke", "Ege", "Bøge", "Rosen", "Lærke", "Solsikke",
	"Præste", "Skole", "Stations", "Havne", "Kongens", "Dronningens", "Ahorn",
	"Aske", "Bellis", "Blåbær", "Bregne", "Eng", "Fasan", "Fjord", "Gran",
	"Hassel", "Hyld", "Hvede", "Havre", "Humle", "Høj", "Industri", "Jernbane",
	"Kastanje", "Kløver", "Linde", "Lyng", "Mark", "Mejse", "Mose", "Nødde",
	"Park", "Pile", "Poppel", "Rug", "Rønne", "Sol", "Spurve", "Stære",
	"Svane", "Sø", "Tjørne", "Valmue", "Vibe", "Viol", "Æble", "Ager", "Bro",
	"Dal", "Enebær", "Fyrre", "Gyvel", "Hjorte", "Kilde", "Klint", "Krage",
	"Lunde", "Odins", "Thors", "Frejas", "Rådhus", "Torve", "Skytte", "Smede",
	"Tømrer", "Bager", "Brygger", "Gartner", "Fisker", "Sejl", "Anker",
	"Bølge", "Klit", "Måge", "Ravne", "Ugle", "Glente", "Drossel", "Egern",
	"Hare", "Ræve", "Slots", "Herregårds", "Præstegårds", "Grønne", "Lange",
	"Tværs", "Nyvang", "Ring", "Kærs", "Lille Kirke", "Mølledams",
}

// suffixes with their relative frequency.
var suffixes = []struct {
	s      string
	weight int
}{
	{"vej", 40}, {"gade", 10}, {"allé", 6}, {"stræde", 4}, {"vænget", 8},
	{"parken", 5}, {"have", 4}, {"toften", 4}, {"bakken", 5}, {"stien", 4},
	{"vang", 3}, {"løkken", 2}, {"engen", 2},
}

// prefixes occasionally make a second road of a name: "Lille Skovvej".
var prefixes = []string{"Lille", "Store", "Gammel", "Ny", "Nørre", "Søndre"}
