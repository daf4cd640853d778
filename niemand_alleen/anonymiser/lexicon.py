"""Dutch word lists and text folding shared by the scrubber, the annotators and the rewriter.

These are linguistic facts (titles, kinship words, month names, tussenvoegsels, common
Dutch short forms of given names), not examples from any evaluation set.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# --- folding: same length as the input, so offsets stay valid -------------------------

_SPECIAL_FOLD = {
    "ı": "i", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ß": "s",
    "æ": "a", "Æ": "a", "œ": "o", "Œ": "o", "’": "'", "‘": "'", "`": "'", "´": "'",
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "\u00a0": " ",
}  # fmt: skip


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    special = _SPECIAL_FOLD.get(char)
    if special is not None:
        return special
    base = unicodedata.normalize("NFD", char)[0]
    lower = base.lower()
    return lower if len(lower) == 1 else base


def fold(text: str) -> str:
    """Lower-case and strip diacritics, character by character (``len`` is preserved)."""
    return "".join(map(_fold_char, text))


def normalise_input(text: str) -> str:
    """NFC and ``\\n`` line ends: the form every offset of the anonymiser refers to."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def wordset(words: str, *, folded: bool = False) -> frozenset[str]:
    """A set from whitespace-separated words (optionally folded)."""
    return frozenset(fold(word) if folded else word for word in words.split())


# --- titles and name particles -------------------------------------------------------

FEMALE_TITLES = ("mevrouw", "mevr", "mw", "mevrou", "mejuffrouw", "juffrouw", "mej", "zuster")
MALE_TITLES = ("meneer", "mijnheer", "dhr", "de heer", "heer", "mnr", "mr")
OTHER_TITLES = ("dokter", "dr", "drs", "ir", "ing", "prof", "ds", "dominee", "pastoor")

TITLE_RE = re.compile(
    r"(?:de\s+heer|mevrouw|mevr\.?|mw\.?|meneer|mijnheer|dhr\.?|heer|mnr\.?|mr\.?|"
    r"mejuffrouw|mej\.?|juffrouw|dokter|dr\.?|drs\.?|ir\.?|ing\.?|prof\.?|ds\.?|zuster)",
    re.IGNORECASE,
)

TUSSENVOEGSELS = wordset(
    """van de der den het 't ter ten te in op uit aan bij voor onder over vd v.d. d' da dal de'
    del della dei des di do dos du el al la le les lo von vom zu zum zur"""
)

# --- people around the resident ------------------------------------------------------

_KIN = """man vrouw echtgenoot echtgenote partner vriend vriendin vriendje vriendinnetje
zoon dochter kind zoontje dochtertje kleinzoon kleindochter kleinkind achterkleinzoon
achterkleindochter achterkleinkind broer broertje zus zusje zuster zwager schoonzus
schoonzuster schoonbroer schoonzoon schoondochter schoonmoeder schoonvader vader moeder
pa ma opa oma neef nicht oom tante ex ex-man ex-vrouw ex-partner ex-vriend ex-vriendin
stiefzoon stiefdochter stiefvader stiefmoeder pleegzoon pleegdochter peetzoon peetdochter
petekind verloofde kennis buurman buurvrouw buurjongen buurmeisje buur overbuurman
overbuurvrouw bovenbuurman bovenbuurvrouw benedenbuurman benedenbuurvrouw huisgenoot
collega oud-collega klasgenoot tweelingbroer tweelingzus halfbroer halfzus"""

_PROFESSIONAL = """huisarts arts dokter specialist geriater psychiater psycholoog
verpleegkundige wijkverpleegkundige praktijkondersteuner poh begeleider begeleidster
consulent consulente casemanager mentor coach bewindvoerder curator mentrix
maatschappelijk-werker ouderenadviseur ergotherapeut fysiotherapeut fysio
thuiszorgmedewerker thuishulp hulp schoonmaakster schoonmaker vrijwilliger vrijwilligster
mantelzorger contactpersoon pastor dominee imam pastoor wijkagent buurtwerker wijkcoach
docent leraar lerares juf meester trainer kapper kapster pedicure tolk maatje diëtist
logopedist verzorgende verzorger zorgverlener wijkteam-medewerker regisseur klantmanager
sociaal-werker opbouwwerker jongerenwerker ambulant-begeleider"""

_PLURALS = """ouders kinderen zonen dochters kleinkinderen kleinzonen kleindochters broers
zussen zusters neven nichten buren vrienden vriendinnen collega's schoonouders
achterkleinkinderen kennissen"""

PROFESSIONAL_ROLES = frozenset(_PROFESSIONAL.split())
ROLE_NOUNS = frozenset((_KIN + " " + _PROFESSIONAL + " " + _PLURALS).split())
PET_NOUNS = wordset(
    """
    hond hondje honden kat katje katten kater poes poesje poezen parkiet parkietje
    kanarie kanarietje vogel vogeltje vogels papegaai konijn konijntje cavia hamster
    schildpad pony paard ezel geit kip kippen
    geleidehond hulphond assistentiehond waakhond schoothond schoothondje herdershond
    teckel labrador retriever poedel chihuahua westie terriër keeshond bulldog husky
    beagle spaniel collie mopshond maltezer rottweiler stabij pinscher tekkel
    grasparkiet valkparkiet zebravink zebravinken duif duiven kanaries goudvis goudvissen
    """
)  # kinds and breeds: the word for a pet that a name may follow ("teckel Boef")

FEMALE_ROLES = wordset(
    """vrouw echtgenote vriendin vriendinnetje dochter dochtertje kleindochter
    achterkleindochter zus zusje zuster schoonzus schoonzuster schoondochter schoonmoeder
    moeder ma oma nicht tante ex-vrouw ex-vriendin stiefdochter stiefmoeder pleegdochter
    peetdochter buurvrouw buurmeisje overbuurvrouw bovenbuurvrouw benedenbuurvrouw
    begeleidster consulente lerares juf kapster vrijwilligster schoonmaakster tweelingzus
    halfzus"""
)

DETERMINERS = wordset("""zijn haar hun de het een diens mijn onze z'n d'r m'n jouw uw""")

# Words that mark the resident as female / male, with a weight: titles count most,
# subject pronouns more than object/possessive ones ("hij belt haar": he is the resident).
GENDER_CUES: tuple[tuple[re.Pattern[str], str, int], ...] = (
    (re.compile(r"\b(?:mevrouw|mevr|mw|weduwe|dame)\b", re.IGNORECASE), "f", 3),
    (re.compile(r"\b(?:meneer|mijnheer|dhr|heer|weduwnaar)\b", re.IGNORECASE), "m", 3),
    (re.compile(r"\bzij\b", re.IGNORECASE), "f", 2),
    (re.compile(r"\bhij\b", re.IGNORECASE), "m", 2),
    (re.compile(r"\b(?:ze|haar)\b", re.IGNORECASE), "f", 1),
    (re.compile(r"\bhem\b", re.IGNORECASE), "m", 1),
)

# --- Dutch short forms of given names (hypocorisms) ----------------------------------

_HYPOCORISMS = {
    "adrianus": "ad aad adrie arie janus", "adriana": "adrie jaan ria", "albert": "bert ab",
    "antonius": "toon ton toine teun", "antonia": "toos tonny toni", "abraham": "bram",
    "bernardus": "ben bernard", "catharina": "toos tina rina ina trijntje",
    "cornelis": "kees cor", "cornelia": "corrie cor nel neeltje", "dirk": "dik dick",
    "elisabeth": "lies liesbeth bep betty els elly lisa", "everhardus": "evert",
    "franciscus": "frans", "geertruida": "truus truida geertje", "gerardus": "gerard gert ger",
    "gerrit": "gert ger", "hendrik": "henk hein henny rik", "hendrika": "riek henny rika",
    "henricus": "henk harrie", "hubertus": "huub bert", "jacobus": "koos jaap co sjaak",
    "jacoba": "coby co koos", "jacob": "jaap koos", "johannes": "jan hans joop johan jo hannes",
    "johanna": "jo annie hanna joke jannie", "josephus": "jos sjef joop",
    "josephina": "fien jos josje", "lambertus": "bert",
    "margaretha": "grietje greet griet margriet gré", "maria": "marie mies ria rie mia marietje",
    "marinus": "rinus", "nicolaas": "klaas niek", "neeltje": "nel", "petrus": "piet peter",
    "petronella": "nel nelly pietje", "pieter": "piet", "theodorus": "theo",
    "wilhelmina": "mien willy mina", "willem": "wim pim willy", "wilhelmus": "wim willem",
    "gijsbert": "gijs", "arnoldus": "arnold noud", "matthijs": "thijs", "huibert": "huib",
    "hermanus": "herman", "aaltje": "aal", "grietje": "griet", "jannetje": "jannie",
    "samuel": "sam", "daniel": "daan dani", "danielle": "dannie", "mohamed": "mo",
    "abdelkader": "kader", "mustafa": "memo",
}  # fmt: skip

HYPOCORISMS: dict[str, frozenset[str]] = {
    fold(full): frozenset(fold(short) for short in shorts.split())
    for full, shorts in _HYPOCORISMS.items()
}

# Explicit declarations of a name someone goes by: "door iedereen X genoemd".
NICKNAME_VERBS = re.compile(r"\b(?:genoemd|noemt|noemen|heet|roepnaam|alias)\b", re.IGNORECASE)

# --- dates -----------------------------------------------------------------------------

MONTHS: dict[int, tuple[str, ...]] = {
    1: ("januari", "jan"), 2: ("februari", "feb", "febr"), 3: ("maart", "mrt", "mar"),
    4: ("april", "apr"), 5: ("mei",), 6: ("juni", "jun"), 7: ("juli", "jul"),
    8: ("augustus", "aug"), 9: ("september", "sep", "sept"), 10: ("oktober", "okt", "oct"),
    11: ("november", "nov"), 12: ("december", "dec"),
}  # fmt: skip
MONTH_ALTERNATION = "|".join(
    sorted((name for names in MONTHS.values() for name in names), key=len, reverse=True)
)

# --- places and institutions ---------------------------------------------------------

STREET_SUFFIXES = (
    "straat", "str", "laan", "weg", "plein", "dijk", "kade", "gracht", "singel", "pad", "hof",
    "erf", "steeg", "dreef", "baan", "markt", "wal", "plantsoen", "boulevard", "dam", "veld",
    "haven", "park", "hout", "bos", "kerk", "polder", "oord", "rade", "werf", "werven",
    "zoom", "donk", "hoek", "burg", "poort", "ring", "lei", "drift", "akker", "tuin", "wei",
)  # fmt: skip

# Generic head nouns that a named place can fall back to ("het Weizigtpark" → "het park").
PLACE_HEADS: dict[str, str] = {
    "park": "het park", "hout": "het bos", "bos": "het bos", "plein": "het plein",
    "markt": "de markt", "haven": "de haven", "kerk": "de kerk", "polder": "de polder",
    "tuin": "de tuin", "museum": "het museum", "station": "het station",
}  # fmt: skip
ADDRESS_SUFFIXES = (
    "straat", "str", "laan", "weg", "dijk", "kade", "gracht", "singel", "pad", "hof", "erf",
    "steeg", "dreef", "baan", "wal", "plantsoen", "boulevard", "dam", "werf", "werven",
)  # fmt: skip

INSTITUTION_HEADS = (
    "verpleeghuis", "verzorgingshuis", "zorgcentrum", "woonzorgcentrum", "gezondheidscentrum",
    "huisartsenpraktijk", "huisartspraktijk", "praktijk", "ziekenhuis", "kliniek",
    "revalidatiecentrum", "stichting", "seniorencomplex", "zorginstelling", "instelling",
    "woningcorporatie", "woningbouwvereniging", "corporatie", "thuiszorgorganisatie",
    "zorgorganisatie", "organisatie", "dagbesteding", "wijkcentrum", "buurthuis",
    "buurtcentrum", "apotheek", "hospice", "zorgboerderij", "inloophuis", "vereniging",
    "school", "basisschool", "moskee", "kerk", "parochie", "gemeente", "verzorgingstehuis",
    "bejaardenhuis", "bejaardentehuis", "serviceflat", "woongroep", "zorgvilla",
    "tempel", "mandir", "gurdwara", "synagoge", "pagode", "kapel", "cami", "masjid",
    "college", "lyceum", "gymnasium", "atheneum",
)  # fmt: skip
# Clubs, shops and firms: a name after them is theirs ("harmonie Crescendo").
CLUB_HEADS = (
    "harmonie", "fanfare", "orkest", "koor", "zangkoor", "kerkkoor", "mannenkoor",
    "vrouwenkoor", "club", "sportclub", "voetbalclub", "biljartclub", "bridgeclub",
    "schaakclub", "damclub", "kaartclub", "handwerkclub", "sportschool", "sportvereniging",
    "bond", "soos", "sociëteit", "café", "eetcafé", "restaurant", "eethuis", "bakkerij",
    "winkel", "kapper", "kapsalon", "slagerij", "toko", "grillroom", "snackbar", "cafetaria",
    "pizzeria", "lunchroom", "kroeg", "bibliotheek", "zwembad", "atelier", "garage",
    "bedrijf", "firma", "scheepswerf", "fabriek", "theehuis", "koffiehuis",
)  # fmt: skip
HET_HEADS = frozenset((
    "ziekenhuis", "gezondheidscentrum", "verpleeghuis", "revalidatiecentrum", "wijkcentrum",
    "buurthuis", "buurtcentrum", "hospice", "inloophuis", "orkest", "koor", "zangkoor",
    "kerkkoor", "mannenkoor", "vrouwenkoor", "café", "eetcafé", "restaurant", "eethuis",
    "zwembad", "atelier", "bedrijf", "theehuis", "koffiehuis", "college", "lyceum",
    "gymnasium", "atheneum",
))  # fmt: skip
# A house of prayer named in its own language is named in Dutch in the oproep.
DUTCH_HEAD = {"mandir": "tempel", "gurdwara": "tempel", "cami": "moskee", "masjid": "moskee"}
ARTICLE_OF_HEAD = {"ziekenhuis": "het", "gezondheidscentrum": "het", "verpleeghuis": "het"}

# Nouns after which "van|bij|via|door <Name>" names an organisation.
CARE_NOUNS = wordset(
    """thuiszorg zorg begeleiding begeleider begeleidster hulp wijkverpleging
    wijkverpleegkundige verpleegkundige consulent consulente casemanager mentor coach
    ergotherapeut fysiotherapeut praktijkondersteuner vrijwilliger vrijwilligster
    vrijwilligers maatschappelijk werker dagbesteding huishoudelijke ondersteuning
    medewerker medewerkster behandelaar bewindvoering bewindvoerder cliëntondersteuner
    ouderenadviseur trajectbegeleider woonbegeleider hulpverlener hulpverlening dagopvang
    maaltijdservice alarmering revalidatie opname zorgaanbieder huurwoning woning flat"""
)

# Languages and nationalities: deduce sometimes tags them as names ("spreekt Engels").
LANGUAGES = wordset(
    """Nederlands Fries Engels Duits Frans Spaans Portugees Italiaans Pools Turks Arabisch
    Berbers Tamazight Marokkaans Surinaams Sranantongo Sranan Hindoestaans Sarnami
    Papiaments Antilliaans Kaapverdisch Somalisch Tigrinya Eritrees Ethiopisch Amhaars
    Koerdisch Perzisch Farsi Dari Pasjtoe Urdu Hindi Bengaals Tamil Chinees Mandarijn
    Kantonees Japans Koreaans Thais Vietnamees Indonesisch Moluks Maleis Russisch Oekraïens
    Wit-Russisch Roemeens Bulgaars Hongaars Grieks Servisch Kroatisch Bosnisch Albanees
    Armeens Georgisch Hebreeuws Zweeds Noors Deens Fins Tsjechisch Slowaaks Litouws Lets
    Ests Syrisch Irakees Afghaans Iraans Turkse Poolse Marokkaanse Surinaamse Antilliaanse
    Nederlandse Engelse Duitse Franse Spaanse Italiaanse Chinese Indische Hindostaanse
    Kaapverdiaans Kaapverdiaanse Somalische Eritrese Syrische Koerdische""",
    folded=True,
)

ACRONYMS = wordset(
    """MS ALS COPD CVA NAH LVB GGZ WMO WLZ AOW ADL MEE FC BSN IBAN HIV AIDS ADHD ASS PTSS OCD
    KOL TIA ICD OV NS AH DVD TV PC CJG UWV SVB CAK CIZ GGD RIVM BOA VVT VVD CDA PVDA NEE JA
    OK AED
    DM1 DM2 MCI OSAS DOAC SSRI NYHA POH SPV TBC MRSA COVID IBD PDS EMDR ECT PGB ZVW JGZ
    EHBO WAO WIA AZC IND COA NT2 DUO AVG LVG"""
)  # care, illness and benefit abbreviations of three or more signs: two-letter ones
# ("HT", "AF") are as often someone's initials

# Words that carry no content of their own in contact lines ("Bereikbaar op ...").
CONTACT_FILLER = wordset(
    """tel tel. telefoon telefoonnummer telefonisch mobiel gsm nummer nr e-mail email
    e-mailadres emailadres mail mailadres website site url bsn iban rekeningnummer
    bankrekening bankrekeningnummer kenteken v-nummer via op of en is te bereiken bereikbaar
    bellen bel kan kunt gaat naar contact contactgegevens adres postcode hij zij ze haar
    zijn hem mevrouw meneer de het een geboren geb geboortedatum geboortejaar staat in
    dossier bekend instagram facebook tiktok discord twitter x snapchat linkedin whatsapp
    youtube als heet hun account profiel bij ons onder naam handle gebruikersnaam code dit
    deze zijn verblijfsvergunning identiteitsbewijs paspoort id-nummer klantnummer
    dossiernummer cliëntnummer""",
    folded=True,
)

CONTACT_LABEL_RE = re.compile(
    r"(?:\b(?:tel(?:efoon(?:nummer)?)?|telefonisch|mobiel|gsm|nummer|nr|e-?mail(?:adres)?|"
    r"mail(?:adres)?|website|site|url|bsn|iban|rekeningnummer|bankrekening(?:nummer)?|"
    r"kenteken|v-nummer|id|klantnummer|dossiernummer|cliëntnummer)\b\.?\s*:?\s*)$",
    re.IGNORECASE,
)

SOCIAL_PLATFORMS = (
    "instagram", "facebook", "tiktok", "discord", "twitter", "snapchat", "linkedin",
    "youtube", "whatsapp", "telegram", "signal", "threads", "bluesky", "mastodon", "insta",
    "marktplaats", "skype", "facetime", "pinterest", "reddit", "twitch",
)  # fmt: skip

ABBREVIATIONS = wordset(
    """dhr mevr mw mr dr drs ir ing prof ds geb nr tel jr jan feb febr mrt apr jun jul aug sep
    sept okt nov dec ca bijv bv evt mej mnr st kon pr burg zgn o.a m.b.t i.v.m e.d""",
    folded=True,
)

# Countries and islands: where someone comes from is a circumstance, not an identifier.
COUNTRIES = wordset(
    """Nederland België Duitsland Frankrijk Spanje Portugal Italië Polen Turkije Marokko
    Tunesië Algerije Egypte Suriname Curaçao Aruba Bonaire Sint-Maarten Indonesië Molukken
    Kaapverdië Somalië Eritrea Ethiopië Syrië Irak Iran Afghanistan Pakistan India China
    Vietnam Roemenië Bulgarije Hongarije Griekenland Oekraïne Rusland Bosnië Servië Kroatië
    Albanië Armenië Ghana Nigeria Congo Angola Brazilië Colombia Venezuela Canada Amerika
    Australië Engeland Schotland Ierland Zweden Noorwegen Denemarken Finland Tsjechië
    Slowakije Litouwen Letland Estland Zwitserland Oostenrijk Luxemburg Singapore Thailand
    Filipijnen Japan Korea Israël Libanon Jemen Soedan Sudan Zuid-Afrika Europa Azië Afrika""",
    folded=True,
)


_DECADES = {
    20: "twintig", 30: "dertig", 40: "veertig", 50: "vijftig", 60: "zestig", 70: "zeventig",
    80: "tachtig",
}  # fmt: skip


def age_range(value: int) -> str:
    """ "in de tachtig" (the style of "in de 80", in words so no exact number remains)."""
    if value >= 90:
        return "op hoge leeftijd"
    if value < 20:
        return "jong volwassen"
    return f"in de {_DECADES[value // 10 * 10]}"


_DURATION_RE = re.compile(r"\d+\s*(?:jaar|jr)\.?\s+(?P<word>[a-zé][\w-]*)", re.IGNORECASE)
_PAST_BEFORE_RE = re.compile(r"\b(?:was|waren|werkte|woonde|werd)\s+$", re.IGNORECASE)
_PROFESSION_ENDINGS = ("er", "eur", "ist", "ster", "ier", "man", "vrouw", "kundige", "arts")


def is_duration(before: str, number_onwards: str, value: int) -> bool:
    """ "was 30 jaar chauffeur", "waren 40 jaar getrouwd": a span of time in the past tense,
    not an age (below 60 only; an age in the present, "is 45 jaar monteur", stays an age)."""
    after = _DURATION_RE.match(number_onwards)
    if value >= 60 or after is None or not _PAST_BEFORE_RE.search(before):
        return False
    word = after.group("word").lower()
    participle = word.startswith("ge") and word.endswith(("d", "t")) and len(word) > 5
    return participle or (len(word) > 4 and word.endswith(_PROFESSION_ENDINGS))


_OWNER_SUBJECT = {"haar": "ze", "d'r": "ze", "zijn": "hij", "z'n": "hij"}


def has_pet(owner: str, pet: str, *, capital: bool) -> str:
    """A sentence that named a pet, without the name: ("z'n", "parkiet") -> "Hij heeft een
    parkiet", ("", "poes") -> "heeft een poes" (a quick note has no subject)."""
    subject = _OWNER_SUBJECT.get(fold(owner.strip()), "")
    phrase = f"{subject} heeft een {pet.lower()}".strip()
    return phrase[:1].upper() + phrase[1:] if capital else phrase
