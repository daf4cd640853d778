"""The last word on the proposal: every sentence reads as Dutch, or it goes.

Replacing and removing words can leave a sentence broken in a few recognisable ways: an
article before the placeholder ("in het iemand"), a placeholder glued into a word
("Iemand-schipper"), a sentence that ends on an article or preposition ("Ze gaat naar
de."), punctuation left behind (",:" or "()"), a bracket or quote left open, a label with
nothing after it ("Geb."), a verb without its object ("werd jaar") or a fragment of one
or two words ("Oudste zoon."). Left-over punctuation and the rewrite's placeholder where
a name was are mended first ("buurvrouw () heeft", "de iemand-moskee"); a sentence that
still has such a shape, which its input did not have, is dropped: it would carry little,
and a half sentence reads as a hidden name.
"""

from __future__ import annotations

import re

from niemand_alleen.anonymiser.lexicon import CONTACT_FILLER, ROLE_NOUNS, fold, wordset
from niemand_alleen.anonymiser.sentences import ITEM_SEPARATORS, split_sentences

_ARTICLE = r"(?:de|het|een|'t)"
_ENDING = (
    r"(?:de|het|een|'t|in|op|aan|bij|naar|van|met|voor|via|uit|tot|door|over|onder|"
    r"tegenover|naast|en|of|maar|zoals|heet|genaamd|noemt)"
)
_BROKEN = (
    re.compile(rf"\b{_ARTICLE}\s+iemand\b", re.IGNORECASE),
    re.compile(r"\w-iemand\b|\biemand-\w", re.IGNORECASE),
    re.compile(r"\b(?:iemand|bewoner)[A-Z]|[a-z](?:Iemand|De bewoner)\b"),  # "bewonerM."
    re.compile(r"\b(?:heet|heette|genaamd|genoemd|noemt)\s+iemand\b", re.IGNORECASE),
    re.compile(r"[:—–]\s*[-—–]?\s*iemand\s*[.!?]?\s*$", re.IGNORECASE),
    re.compile(r",\s*iemand\s*,", re.IGNORECASE),  # "een hulphond, iemand, een retriever"
    re.compile(rf"\b{_ENDING}\s*[.!?;:,]*\s*$", re.IGNORECASE),
    re.compile(r"[,;:]\s*[,;:.!?]|\(\s*\)|\[\s*\]|\.\.\.\s*[:,;]"),
    re.compile(r"\b(?:werd|wordt|is|was|heet)\s+(?:jaar|jarig|oud)\s*[.!?,]", re.IGNORECASE),
    re.compile(
        r"\b(?:geb|tel|adres|bsn|e-?mail|iban|roepn|contactpersoon)\.?\s*:?\s*$", re.IGNORECASE
    ),
)
_LABEL_ONLY = re.compile(
    r"^\W*(?:geb(?:oren)?|tel(?:efoon)?|adres|bsn|e-?mail|naam|iban|contact(?:persoon)?|"
    r"\w*nr|\w*nummer|dossier|zaak|kenmerk)"
    r"\.?\s*:?\s*[.;,]?\s*$",
    re.IGNORECASE,
)


_LABELS = wordset(
    """bsn tel telefoon telefoonnummer mobiel gsm iban rekeningnummer adres postcode
    email e-mail mail geb geboren geboortedatum kenteken nummer nr dossiernr"""
)
_EMPTY_WORDS = (
    _LABELS
    | CONTACT_FILLER
    | ROLE_NOUNS
    | wordset("dhr mw mevr meneer mevrouw van de het voor en of via op")
)
_EMOTICON_RE = re.compile(r"[:;=8][-']?[()\[\]DPp]")
_PAIRS = (("(", ")"), ("[", "]"), ("“", "”"), ("‘", "’"))


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text)).strip()


def _broken(sentence: str, source: str, source_sentences: frozenset[str]) -> bool:
    for pattern in _BROKEN:
        match = pattern.search(sentence)
        if match and _flat(match.group()) not in source:
            return True
    plain = _EMOTICON_RE.sub("", sentence)  # ";)" and ":(" open nothing
    for opening, closing in _PAIRS:
        if plain.count(opening) != plain.count(closing):
            return True
    if plain.count('"') % 2:
        return True
    if _LABEL_ONLY.match(sentence):
        return True  # "Geb.", "Tel.:" with nothing after it
    folded = [fold(word) for word in re.findall(r"[^\W\d_][\w'’-]*", sentence)]
    if any(word in _LABELS for word in folded) and all(word in _EMPTY_WORDS for word in folded):
        return True  # "BSN dhr. Tel. dochter.": the labels are left, the numbers gone
    if re.match(r"\s*(?:[-*•]|\d+[.)])\s", sentence) or re.search(r":\s*\w", sentence):
        return False  # a list item or a "label: value" line may be a word or two
    words = re.findall(r"[^\W_][\w'’-]*", sentence)
    return len(words) <= 2 and _flat(sentence).rstrip(".!?;: ") not in source_sentences


def _mended(sentence: str, source: str) -> str:
    """Punctuation that removals left behind, put right where that keeps the sentence:
    "buurvrouw () heeft" -> "buurvrouw heeft", "straat,, en" -> "straat, en"."""
    mended = sentence
    if not re.search(r"\(\s*\)", source):
        mended = re.sub(r"\s*\(\s*\)", "", mended)
    # the rewrite's placeholder where a name was: "de iemand-moskee", ", iemand,"
    mended = re.sub(r"\b(de|het|een)\s+iemand-(\w)", r"\1 \2", mended, flags=re.IGNORECASE)
    mended = re.sub(r",\s*iemand\s*,\s*(?=(?:een|de|het)\b)", ", ", mended)
    mended = re.sub(r",\s*iemand\s*,\s*", " ", mended)
    mended = re.sub(r"\s+heet\s+iemand\s+en\s+", " ", mended)  # "teckel heet iemand en gaat"
    # the resident named twice over: "(de bewoner) de bewoner", "de bewoner (de bewoner)"
    mended = re.sub(
        r"(?:\(\s*)?\b([Dd]e bewoner)(?:\s*\))?(?:\s*(?:\(\s*)?de bewoner\b(?:\s*\))?)+",
        r"\1",
        mended,
    )
    if not re.search(r"\(\s*iemand\s*\)", source, re.IGNORECASE):
        mended = re.sub(r"\s*\(\s*iemand\s*\)", "", mended)  # "heeft zoon (iemand) en ex"
    mended = _without_empty_aside(mended, source)
    # a kinship nickname left around the placeholder: "Tante de bewoner is" -> "De bewoner is"
    mended = re.sub(
        r"\b(?:[Tt]ante|[Oo]ma|[Oo]pa|[Oo]me|[Oo]om|[Mm]oeder|[Vv]ader|[Zz]uster|[Bb]roeder)"
        r"\s+(de bewoner|iemand)\b",
        _capital_like,
        mended,
    )
    # "Mevrouw, woont alleen": an aside between subject and verb went, its comma stayed
    mended = re.sub(
        r"^(\s*(?:Mevrouw|Meneer|De bewoner|Iemand|Zij|Hij|Ze)),\s+(?=[a-z]+t\b)",
        r"\1 ",
        mended,
    )
    mended = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", mended)
    mended = re.sub(r"[,;:]\s*([.!?])", r"\1", mended)
    return re.sub(r"[ \t]+([,.;:!?])(?![-']?[()DPp])", r"\1", mended)  # not before ";)"


_PLACEHOLDER = r"(?:mevrouw|meneer|de bewoner|iemand)"
_EMPTY_ASIDE_RE = re.compile(
    rf"\s*\(\s*['\"‘“]?{_PLACEHOLDER}['\"’”]?(?:\s+(?:voor|bij)\s+[^()]*)?\s*\)",
    re.IGNORECASE,
)
_NAMING_ASIDE_RE = re.compile(
    rf"\b({_PLACEHOLDER})\s+[-–—]\s*zo\s+noem\w*\s+[^-–—.]*[-–—]", re.IGNORECASE
)


def _without_empty_aside(sentence: str, source: str) -> str:
    """An aside that only named the resident, now a placeholder, goes: "Mevrouw (mevrouw)",
    "Mevrouw ('iemand')", "(iemand voor haar vriendinnen)", "Mevrouw - zo noemt ze
    zichzelf - woont"."""

    def replace(match: re.Match[str]) -> str:
        return match.group() if _flat(match.group()) in source else ""

    return _NAMING_ASIDE_RE.sub(r"\1", _EMPTY_ASIDE_RE.sub(replace, sentence))


def _capital_like(match: re.Match[str]) -> str:
    """The placeholder, with the capital of what it replaces."""
    word = match.group(1)
    return word[:1].upper() + word[1:] if match.group()[:1].isupper() else word


_BARE_PERSON_RE = re.compile(
    r"^(\s*)(Buurvrouw|Buurman|Overbuurvrouw|Overbuurman|Dochter|Zoon|Kleinzoon|Kleindochter|"
    r"Nicht|Neef|Zus|Broer|Vriendin|Vriend|Schoonzus|Zwager|Schoondochter|Schoonzoon|Kennis)"
    r"(\s+)(?=[a-z])"
)


def _with_article(sentence: str, source: str) -> str:
    """ "Buurvrouw doet soms een boodschap" (her name gone) -> "Een buurvrouw doet ...",
    unless the note itself wrote it so."""
    match = _BARE_PERSON_RE.match(sentence)
    if match is None:
        return sentence
    opening = _flat(sentence[match.start(2) :])[:40]
    if any(_flat(source[start:end]).startswith(opening) for start, end in split_sentences(source)):
        return sentence
    noun = match.group(2).lower()
    return f"{match.group(1)}Een {noun}{match.group(3)}{sentence[match.end() :]}"


def _part_broken(part: str, source: str) -> bool:
    """One item of a quick note: broken by a removal, or a label left empty."""
    for pattern in _BROKEN:
        match = pattern.search(part)
        if match and _flat(match.group()) not in source:
            return True
    plain = _EMOTICON_RE.sub("", part)
    unbalanced = any(plain.count(opening) != plain.count(closing) for opening, closing in _PAIRS)
    return unbalanced or bool(_LABEL_ONLY.match(part))


def _without_broken_parts(sentence: str, source: str) -> str | None:
    """A quick note written as items ("- COPD / zoon woont in Breda / ...") keeps the items
    that read well when one of them is broken; None when it is not such a note."""
    separator = next((mark for mark in ITEM_SEPARATORS if mark in sentence), None)
    if separator is None:
        return None
    parts = sentence.split(separator)
    kept = [part for part in parts if part.strip() and not _part_broken(part, source)]
    if not kept or len(kept) == len(parts):
        return None
    joined = separator.join(kept).rstrip()
    ending = re.search(r"[.!?]$", sentence.rstrip())
    return joined + ending.group() if ending and not re.search(r"[.!?]$", joined) else joined


def well_formed(output: str, source: str) -> str:
    """``output`` without the sentences that a rewrite of ``source`` left broken."""
    folded_source = _flat(source)
    source_sentences = frozenset(
        _flat(source[start:end]).rstrip(".!?;: ")
        for start, end in split_sentences(source, semicolons=True)
    )
    pieces: list[str] = []
    position = 0
    for start, end in split_sentences(output, semicolons=True):
        gap, sentence = output[position:start], _mended(output[start:end], source)
        sentence = _with_article(sentence, source)
        if _broken(sentence, folded_source, source_sentences):
            items = _without_broken_parts(sentence, folded_source)
            if items is not None and not _broken(items, folded_source, source_sentences):
                pieces.append(gap + items)
            else:
                pieces.append("\n" if "\n" in gap else "")  # a list keeps its lines
        else:
            pieces.append(gap + sentence)
        position = end
    text = "".join(pieces) + output[position:]
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"\n[ \t]+", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return re.sub(r"[;,]\s*$", ".", text.strip())  # the part after it was left out
