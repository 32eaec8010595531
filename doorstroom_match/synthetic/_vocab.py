"""Word lists for the generator: employers, sectors, posts, the way coaches type job targets.

All synthetic. Employer names are built from common Flemish surnames and sector words; they
name no real company on purpose.
"""

from __future__ import annotations

__all__ = [
    "COACH_TITLES",
    "FEMALE_SUFFIXES",
    "SEC_GROUP_WEIGHTS",
    "SECTORS",
    "SURNAMES",
    "VAGUE_TARGETS",
    "VACANCY_MAJOR_WEIGHTS",
    "sector_of",
]

# fmt: off
SURNAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
    "Wouters", "De Smet", "Vermeulen", "Van den Broeck", "Van Damme", "De Vos", "Hermans",
    "Pauwels", "Aerts", "Lambrechts", "Verhaeghe", "De Backer", "Vandenberghe", "Verstraete",
    "Michiels", "Stevens", "Cools", "Smets", "Van de Velde", "Declercq", "Martens", "Bogaert",
    "Van Hoof", "Dewitte", "Verbeke", "Coppens", "Wuyts", "Vervoort", "Segers", "Hendrickx",
    "Van Acker", "Vandamme", "De Meyer", "Geerts", "Van Gestel", "Baert", "Mortier",
    "Cornelis", "Lemmens", "Desmet", "Vanhove", "Verlinden", "Thys", "Bosmans", "Dierickx",
    "Van Looy", "Moens", "D'Hondt", "Vercammen", "Van Rompuy", "Callens", "Deprez",
)

# ISCO-08 4-digit group -> weight of the group among job targets of SEC workers (split evenly
# over the group's ESCO occupations). Groups not listed weigh 0.08-0.1 in majors 5, 7, 8, 9
# and 0.05 in majors 4 and 6, so that every plausible occupation can turn up now and then.
SEC_GROUP_WEIGHTS: dict[str, float] = {
    "9112": 8, "9111": 4, "9121": 4, "9122": 2, "9123": 1, "9129": 1, "9213": 2, "9214": 8,
    "9211": 1, "9313": 3, "9312": 1, "9321": 6, "9329": 3, "9333": 6, "9334": 4, "9411": 2,
    "9412": 6, "9611": 2, "9612": 4, "9613": 2, "9622": 3, "9510": 1, "9621": 1, "9629": 1,
    "8157": 3, "8183": 3, "8344": 5, "8160": 3, "8219": 3, "8212": 2, "8142": 1, "8322": 2,
    "8332": 2, "6113": 6, "5120": 3, "5131": 1, "5132": 1, "5223": 4, "5230": 3, "5246": 2,
    "5153": 2, "5152": 2, "5321": 3, "5322": 3, "5311": 1, "5414": 2, "5164": 1, "7115": 1,
    "7131": 2, "7212": 2, "7234": 2, "7231": 1, "7411": 1, "7512": 2, "7511": 1, "7523": 2,
    "7533": 1, "7543": 1, "4321": 3, "4110": 2, "4412": 2, "4222": 1, "4226": 1, "4311": 1,
}
SEC_MAJOR_DEFAULT = {"5": 0.08, "7": 0.08, "8": 0.08, "9": 0.1, "4": 0.05, "6": 0.05}

# Weight per occupation by ISCO major group in the regular (NEC) vacancy feed; mixed half and
# half with the SEC weights so that about half the feed is within reach of SEC workers.
VACANCY_MAJOR_WEIGHTS = {
    "0": 0.0, "1": 0.4, "2": 1.0, "3": 1.0, "4": 1.2, "5": 1.4, "6": 0.4, "7": 1.0,
    "8": 0.8, "9": 1.2,
}

# The jobs SEC workers most often move to, by the ESCO preferred label of the occupation, with
# the titles coaches and Flemish job ads use for them (Flemish words, female forms, the ad
# style). Job targets and vacancy titles are drawn from these often, so that most of them are
# not the ESCO preferred label. Labels missing from a catalogue are skipped.
COACH_TITLES: dict[str, tuple[str, ...]] = {
    "schoonmaker gebouwen": ("poetsvrouw", "kuisvrouw", "schoonmaakster", "poetshulp",
                             "schoonmaker kantoren", "poetser", "schoonmaakmedewerker"),
    "medewerker huishoudelijke dienst": ("poetshulp thuis", "huishoudhulp",
                                         "medewerker dienstencheques", "poetsvrouw aan huis"),
    "interieurverzorger": ("interieurverzorgster", "poetsvrouw rusthuis",
                           "schoonmaak woonzorgcentrum"),
    "magazijnmedewerker": ("magazijnier", "magazijnbediende", "magazijnarbeider",
                           "logistiek medewerker magazijn", "magazijnmedewerkster"),
    "orderpicker": ("orderpicker", "picker", "orderpicking", "orderpickster"),
    "heftruckchauffeur": ("heftruckchauffeur", "vorkliftchauffeur", "heftruckbestuurder",
                          "reachtruckchauffeur", "chauffeur heftruck"),
    "expeditiemedewerker": ("expeditiebediende", "medewerker verzending"),
    "keukenhulp": ("keukenhulp", "afwasser", "plongeur", "hulpkok", "keukenmedewerker",
                   "afwas"),
    "medewerker keuken": ("keukenmedewerkster", "medewerker grootkeuken", "keukenhulp rusthuis"),
    "kok": ("kok", "kokkin", "hulpkok", "kok in een rusthuis"),
    "tuinier": ("tuinman", "tuinarbeider", "hulptuinier"),
    "hovenier": ("hovenier", "groenarbeider", "medewerker groendienst", "groenonderhoud"),
    "medewerker groenvoorziening/medewerkster groenvoorziening": (
        "groenarbeider", "medewerker groenonderhoud", "groenploeg", "parkwachter"),
    "tuinbouwmedewerker": ("serrearbeider", "tuinbouwarbeider", "plukker", "oogsthelper"),
    "inpakker met de hand": ("inpakker", "inpakster", "verpakker", "medewerker inpak"),
    "productiemedewerker": ("productiearbeider", "arbeider productie", "productieoperator",
                            "bandwerker", "lijnarbeider", "productiemedewerkster"),
    "strijker": ("strijkster", "medewerker strijkatelier", "strijkhulp"),
    "wasserijmedewerker": ("medewerker wasserij", "wasserijarbeider", "linnenkamer"),
    "schappenvuller": ("rekkenvuller", "vakkenvuller", "rayonmedewerker",
                       "winkelbediende rekken aanvullen"),
    "winkelmedewerker": ("winkelbediende", "verkoopster", "winkelhulp", "winkelmedewerkster"),
    "kassamedewerker": ("kassierster", "kassier", "kassabediende", "caissière"),
    "zorghulp": ("zorgkundige", "verzorgende", "zorgassistent", "hulp in de zorg"),
    "thuiszorgmedewerker": ("gezinszorger", "verzorgende thuiszorg", "thuishulp"),
    "opperman bouw": ("opperman", "handlanger", "bouwvakker", "hulparbeider bouw"),
    "klusser": ("klusjesman", "manusje van alles", "klusjesvrouw", "onderhoudsman"),
    "auto- en bestelwagenkoerier": ("koerier", "chauffeur bestelwagen", "pakjesbezorger",
                                    "bestelwagenchauffeur"),
    "afvalsorteerder": ("sorteerder", "sorteerster", "medewerker sorteerlijn",
                        "recyclagemedewerker"),
    "recyclingmedewerker": ("medewerker kringwinkel", "recyclagearbeider",
                            "medewerker containerpark"),
    "straatveger": ("veger", "medewerker netheid", "straatveegster"),
    "vuilnisophaler": ("vuilnisman", "huisvuilophaler", "ophaler"),
    "bakker": ("bakker", "bakkersgast", "hulpbakker", "broodbakker"),
    "slager": ("beenhouwer", "slagersgast", "hulpbeenhouwer"),
    "schilder bouw": ("schilder", "huisschilder", "schilder-decorateur"),
    "naaister": ("naaister", "naaiatelier", "confectiemedewerker"),
    "postbode": ("postbode", "medewerker postbedeling", "postbedeler"),
    "folderbezorger": ("folderbedeler", "krantenbezorger", "bedeler"),
    "ober/serveerster": ("kelner", "serveerster", "zaalmedewerker", "diender"),
    "barman/barvrouw": ("barman", "barvrouw", "cafébediende"),
    "receptionist": ("onthaalbediende", "onthaalmedewerker", "receptioniste"),
    "administratief medewerker secretariaat": ("administratief bediende", "bediende administratie",
                                  "administratieve kracht"),
    "callcentermedewerker": ("telefonist", "medewerker klantendienst", "callcenter"),
    "fietsenmaker": ("fietshersteller", "fietsenhersteller", "medewerker fietsenatelier"),
    "lasser": ("lasser", "lasser-monteerder", "lasser TIG"),
    "timmerman": ("schrijnwerker", "timmerman", "houtbewerker"),
    "huishoud(st)er": ("huishoudster", "huishoudhulp"),
    "chauffeur/verhuizer": ("verhuizer", "chauffeur-verhuizer"),
    "assemblagemedewerker elektrische apparatuur": ("assemblagemedewerker", "monteerder",
                                                     "medewerker montage"),
}

# How coaches write a vague job target.
VAGUE_TARGETS = (
    "iets in de groenzorg", "magazijnwerk", "poetshulp in een rusthuis", "iets in de keuken",
    "productiewerk", "inpakwerk", "iets in de verkoop", "schoonmaak", "werken met hout",
    "iets in de logistiek", "kassa", "iets in de zorg", "chauffeur", "iets met fietsen",
    "buitenwerk", "iets in de bouw", "strijkatelier", "onderhoud van gebouwen",
    "recyclage / sorteren", "horeca", "afwas", "heftruck", "iets met dieren",
    "werken in een serre", "rekken aanvullen in de supermarkt", "klusjesman",
    "onthaal / receptie", "iets administratiefs", "werken aan de band", "wasserij",
    "groenonderhoud bij de gemeente", "iets technisch", "iets met auto's",
    "keukenhulp in een woonzorgcentrum", "naaiatelier", "postbedeling",
)

# Word endings turned into a female form, as coaches and employers write them. Longest first.
FEMALE_SUFFIXES = (
    ("medewerker", "medewerkster"), ("verkoper", "verkoopster"), ("kassier", "kassierster"),
    ("schoonmaker", "schoonmaakster"), ("begeleider", "begeleidster"), ("arbeider", "arbeidster"),
    ("chauffeur", "chauffeuse"), ("assistent", "assistente"), ("operator", "operatrice"),
    ("inpakker", "inpakster"), ("verzorger", "verzorgster"), ("werker", "werkster"),
    ("maker", "maakster"), ("helper", "helpster"), ("bakker", "bakster"), ("kapper", "kapster"),
    ("naaier", "naaister"), ("houder", "houdster"), ("leider", "leidster"),
    ("poetser", "poetsster"), ("sorteerder", "sorteerster"), ("tuinier", "tuinierster"),
)

# Sector: ISCO prefixes (longest prefix wins), employer words, posts for internship places,
# legal forms with weights.
SECTORS: dict[str, dict[str, tuple]] = {
    "schoonmaak": {
        "isco": ("911", "912", "515"),
        "words": ("Schoonmaak", "Poetsdienst", "Facility Services", "Cleaning", "Netheid"),
        "posts": ("schoonmaak kantoren", "sanitair", "wasserij", "linnenkamer", "ploeg avond"),
    },
    "groen": {
        "isco": ("61", "92"),
        "words": ("Tuinbouw", "Groenservice", "Hoveniersbedrijf", "Kwekerij", "Boomkwekerij",
                  "Groenwerken"),
        "posts": ("groendienst", "serre", "buitenploeg", "kwekerij", "oogst"),
    },
    "logistiek": {
        "isco": ("93", "4321", "4323", "833", "834", "832"),
        "words": ("Logistics", "Distributie", "Transport", "Warehousing", "Expeditie"),
        "posts": ("magazijn", "expeditie", "orderpicking", "ontvangst goederen", "retouren"),
    },
    "horeca": {
        "isco": ("51", "94", "5246", "962"),
        "words": ("Brasserie", "Restaurant", "Hotel", "Catering", "Traiteur", "Eethuis"),
        "posts": ("keuken", "afwas", "zaal", "cafetaria", "ontbijtservice"),
    },
    "retail": {
        "isco": ("52", "95"),
        "words": ("Supermarkt", "Winkel", "Doe-het-zelf", "Handelszaak", "Tuincentrum"),
        "posts": ("winkelvloer", "kassa", "rekken aanvullen", "ontvangst", "versafdeling"),
    },
    "zorg": {
        "isco": ("53", "32", "22", "5164"),
        "words": ("Woonzorgcentrum", "Thuiszorg", "Zorggroep", "Kinderopvang", "Dierenasiel"),
        "posts": ("zorgafdeling", "logistiek zorg", "cafetaria", "animatie", "technische dienst"),
        "legal": (("vzw", 0.7), ("", 0.3)),
    },
    "voeding": {
        "isco": ("751", "816", "8183"),
        "words": ("Bakkerij", "Slagerij", "Voeding", "Foods", "Vleeswaren", "Groenten"),
        "posts": ("productie", "inpak", "bakkerij", "verpakking", "snijzaal"),
    },
    "bouw": {
        "isco": ("71", "931"),
        "words": ("Bouwbedrijf", "Renovatie", "Schilderwerken", "Dakwerken", "Bouw"),
        "posts": ("werf", "atelier", "afwerking", "opslag"),
    },
    "metaal": {
        "isco": ("72", "821", "812"),
        "words": ("Metaalwerken", "Constructie", "Garage", "Carrosserie", "Staalbouw"),
        "posts": ("werkplaats", "lasatelier", "montage", "onderhoud"),
    },
    "productie": {
        "isco": ("7", "8"),
        "words": ("Industries", "Productie", "Plastics", "Verpakkingen", "Textiel", "Print"),
        "posts": ("productielijn", "inpak", "assemblage", "kwaliteitscontrole", "afwerking"),
    },
    "recyclage": {
        "isco": ("961",),
        "words": ("Recyclage", "Milieuservice", "Kringwinkel", "Afvalbeheer"),
        "posts": ("sorteerlijn", "containerpark", "ophaling", "herstelatelier"),
        "legal": (("vzw", 0.4), ("bv", 0.4), ("", 0.2)),
    },
    "kantoor": {
        "isco": ("0", "1", "2", "3", "4", "5", "6", "9"),
        "words": ("Services", "Consult", "Administratie", "Groep", "Partners", "Solutions"),
        "posts": ("onthaal", "administratie", "postkamer", "archief", "facilitaire dienst"),
    },
}
DEFAULT_LEGAL = (("bv", 0.4), ("nv", 0.15), ("", 0.45))
# fmt: on

_PREFIX = sorted(
    ((p, name) for name, s in SECTORS.items() for p in s["isco"]), key=lambda t: -len(t[0])
)


def sector_of(isco: str) -> str:
    """The sector of an ISCO-08 group code, by longest matching prefix.

    Examples
    --------
    >>> sector_of("9112"), sector_of("8344"), sector_of("2512")
    ('schoonmaak', 'logistiek', 'kantoor')
    """
    for prefix, name in _PREFIX:
        if isco.startswith(prefix):
            return name
    return "kantoor"
