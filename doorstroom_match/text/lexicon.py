"""Posting words the catalogue lacks: a query-side rewrite into the catalogue's words.

Flemish postings and coaches write jobs with words the Dutch ESCO catalogue does not hold:
``kuisvrouw`` and ``poetshulp`` (schoonmaak), ``magazijnier``, ``technieker``, ``camion``,
``clark`` (heftruck), ``serre`` (kas), ``plongeur``. Character n-grams then find the
nearest *spelling* ("kuisvrouw" reads like "kuiper", "poetshulp" like "autopoetser",
"camionchauffeur" like "buschauffeur"), and word substitutions learned from the catalogue's
own labels cannot know words the catalogue never uses. :class:`TitleLexicon` rewrites such a
word of a normalised *query* into the catalogue's word before it is scored; the catalogue's
rows are left as they are.

Rules, so that a rewrite never hides what the catalogue knows:

- a query word that is a word of the catalogue (any normalised label) is kept as it is;
- otherwise a listed word is replaced (``kuiser`` -> ``schoonmaker``), or, inside a longer
  word, a listed word at its start or end with at least three other letters
  (``hulpbeenhouwer`` -> ``hulpslager``, ``onderhoudstechnieker`` -> ``onderhoudstechnicus``),
  the longest listed word first; the result is normalised again (compound heads split).

The list (``data/reference/be_title_words.csv``, :func:`lexicon_path`) is written by hand from
common Belgian-Dutch usage; ``models/README.md`` says how it was measured.

Examples
--------
>>> lex = TitleLexicon({"kuisvrouw": "schoonmaker", "beenhouwer": "slager"})
>>> lex.fit(["slager", "beenhouwer", "schoon maker"]).rewrite("kuiser")
'schoon maker'
>>> lex.rewrite("hulpbeenhouwer")
'hulpslager'
>>> lex.rewrite("beenhouwer")
'beenhouwer'
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from doorstroom_match._exceptions import ValidationError
from doorstroom_match.text._paths import model_file
from doorstroom_match.text.normalise import normalise_title

__all__ = ["TitleLexicon", "lexicon_path"]

_MIN_REST = 3  # letters a compound keeps beside a listed word ("hulp" + "beenhouwer")


def lexicon_path() -> Path:
    """``$DOORSTROOM_TITLES_LEXICON`` when set, else the list shipped in the package."""
    return model_file("DOORSTROOM_TITLES_LEXICON", "be_title_words.csv")


class TitleLexicon:
    """Query words the catalogue lacks -> the catalogue's words.

    Parameters
    ----------
    table : mapping of str to str
        Word as written -> the catalogue's word(s); both are normalised
        (:func:`~doorstroom_match.text.normalise.normalise_title`), so female forms and
        accents need no entries of their own.
    """

    def __init__(self, table: Mapping[str, str]) -> None:
        words: dict[str, str] = {}
        for raw, target in table.items():
            key = normalise_title(str(raw))
            value = normalise_title(str(target))
            if not key or " " in key or not value:
                raise ValidationError(
                    f"a lexicon entry must be one word and a non-empty replacement, "
                    f"got {raw!r} -> {target!r}"
                )
            words[key] = value
        self.table = words
        self._parts = sorted(words, key=lambda w: (-len(w), w))
        self._catalogue_words: frozenset[str] = frozenset()
        self._memo: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return f"TitleLexicon({len(self)} words)"

    @classmethod
    def load(cls, path: str | os.PathLike) -> TitleLexicon:
        """Read a list with columns ``word,catalogue[,note]``; lines starting with ``#`` are
        comments."""
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
            lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
            rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
            table = {r["word"].strip(): r["catalogue"].strip() for r in rows}
        except (KeyError, AttributeError, ValueError, csv.Error) as exc:
            raise ValidationError(f"{str(path)!r} is not a title lexicon: {exc}") from None
        return cls(table)

    def fingerprint(self) -> str:
        """A digest of the entries (stored guesses depend on them)."""
        body = "\n".join(f"{k}\t{v}" for k, v in sorted(self.table.items()))
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    def fit(self, catalogue_texts: Iterable[str]) -> TitleLexicon:
        """Learn the catalogue's words from its normalised rows; returns self."""
        self._catalogue_words = frozenset(w for t in catalogue_texts for w in t.split())
        self._memo = {}
        return self

    def _word(self, w: str) -> str:
        got = self._memo.get(w)
        if got is not None:
            return got
        out = w
        if w not in self._catalogue_words:
            if w in self.table:
                out = self.table[w]
            else:
                for key in self._parts:
                    if len(w) - len(key) < _MIN_REST:
                        continue
                    if w.endswith(key):
                        out = normalise_title(w[: -len(key)] + self.table[key].replace(" ", ""))
                        break
                    if w.startswith(key):
                        out = normalise_title(self.table[key].replace(" ", "") + w[len(key) :])
                        break
        self._memo[w] = out
        return out

    def rewrite(self, normed: str) -> str:
        """A normalised query with its listed words rewritten (see the module docstring)."""
        return " ".join(self._word(w) for w in normed.split())
