"""Posting words the catalogue lacks: a query-side rewrite into the catalogue's words.

Flemish postings and coaches write jobs with words the Dutch ESCO catalogue does not hold:
``kuisvrouw`` and ``poetshulp`` (schoonmaak), ``magazijnier``, ``technieker``, ``camion``,
``clark`` (heftruck), ``serre`` (kas), ``plongeur``, and English loan titles (``cleaner``,
``forklift driver``, ``warehouse worker``). Character n-grams then find the nearest
*spelling* ("kuisvrouw" reads like "kuiper", "poetshulp" like "autopoetser",
"camionchauffeur" like "buschauffeur", "welder" like "operator kelder"), and word
substitutions learned from the catalogue's own labels cannot know words the catalogue never
uses. :class:`TitleLexicon` rewrites such a
word of a normalised *query* into the catalogue's word before it is scored; the catalogue's
rows are left as they are.

Rules, so that a rewrite never hides what the catalogue knows:

- a listed phrase of two or three words is replaced first (``warehouse worker`` ->
  ``magazijnmedewerker``), unless a label of the catalogue holds those words in a row;
- a query word that is a word of the catalogue (any normalised label) is kept as it is;
- a listed word or phrase whose replacement is ``-`` is posting filler (``ervaren``,
  ``voltijds``, ``gezocht``, ``vast contract``) and dropped, unless nothing else would be
  left of the query;
- otherwise a listed word is replaced (``kuiser`` -> ``schoonmaker``), or, inside a longer
  word, a listed word of at least four letters marked ``inside`` at its start or end with at
  least three other letters (``hulpbeenhouwer`` -> ``hulpslager``, ``onderhoudstechnieker``
  -> ``onderhoudstechnicus``), the longest listed word first; the result is normalised again
  (compound heads split).

The list (``data/reference/be_title_words.csv``, :func:`lexicon_path`) is written by hand from
common Belgian-Dutch usage and the English titles of Flemish postings; ``models/README.md``
says how it was measured.

Examples
--------
>>> lex = TitleLexicon(
...     {"kuisvrouw": "schoonmaker", "beenhouwer": "slager"}, inside=["beenhouwer"]
... )
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
from doorstroom_match.resources import resource_path
from doorstroom_match.text.normalise import normalise_title

__all__ = ["DROP", "TitleLexicon", "lexicon_path"]

_MIN_REST = 3  # letters a compound keeps beside a listed word ("hulp" + "beenhouwer")
_MIN_INSIDE = 4  # letters of a listed word rewritten inside a longer word
_MAX_PHRASE = 3  # words in a listed phrase
#: The replacement that drops a listed word or phrase (posting filler: "ervaren", "voltijds").
DROP = "-"


def lexicon_path() -> Path:
    """``$DOORSTROOM_TITLES_LEXICON`` when set, else the list shipped in the package.

    Raises
    ------
    ResourceNotFoundError
        The variable names a file that does not exist (it is never silently replaced by the
        package's list).
    """
    return resource_path("title_lexicon")


class TitleLexicon:
    """Query words the catalogue lacks -> the catalogue's words.

    Parameters
    ----------
    table : mapping of str to str
        Word or phrase (up to three words) as written -> the catalogue's word(s); both are
        normalised (:func:`~doorstroom_match.text.normalise.normalise_title`), so female
        forms and accents need no entries of their own. :data:`DROP` (``"-"``) as the
        replacement: the word or phrase is dropped from the query.
    inside : iterable of str, optional
        The words of ``table`` that may also be rewritten inside a longer word (Dutch
        compounds: ``beenhouwer`` in ``hulpbeenhouwer``); default none.
    """

    def __init__(self, table: Mapping[str, str], inside: Iterable[str] = ()) -> None:
        words: dict[str, str] = {}
        phrases: dict[tuple[str, ...], str] = {}
        keys: dict[str, str] = {}
        for raw, target in table.items():
            key = normalise_title(str(raw))
            drop = str(target).strip() == DROP
            value = "" if drop else normalise_title(str(target))
            n = len(key.split())
            if not key or not (value or drop) or n > _MAX_PHRASE:
                raise ValidationError(
                    f"a lexicon entry must be one to {_MAX_PHRASE} words and a non-empty "
                    f"replacement (or {DROP!r} to drop it), got {raw!r} -> {target!r}"
                )
            keys[str(raw)] = key
            if n == 1:
                words[key] = value
            else:
                phrases[tuple(key.split())] = value
        inner = {keys.get(str(w), normalise_title(str(w))) for w in inside}
        unknown = sorted(inner - set(words))
        if unknown:
            raise ValidationError(f"inside names words that are not in the table: {unknown}")
        dropped = sorted(w for w in inner if not words[w])
        if dropped:
            raise ValidationError(f"a dropped word is never rewritten inside another: {dropped}")
        self._set(words, phrases, frozenset(w for w in inner if len(w) >= _MIN_INSIDE))

    def _set(self, words: dict, phrases: dict, inside: frozenset[str]) -> None:
        self._words, self._phrases, self.inside = words, phrases, inside
        self.table = {**words, **{" ".join(k): v for k, v in phrases.items()}}
        self._parts = sorted(inside, key=lambda w: (-len(w), w))
        self._catalogue_words: frozenset[str] = frozenset()
        self._catalogue_phrases: frozenset[tuple[str, ...]] = frozenset()
        self._memo: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return f"TitleLexicon({len(self)} words)"

    @classmethod
    def load(cls, path: str | os.PathLike) -> TitleLexicon:
        """Read a list with columns ``word,catalogue[,inside[,note]]`` (``inside``: ``yes``
        where the word may be rewritten inside a longer word); lines starting with ``#`` are
        comments."""
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ValidationError(f"cannot read the title lexicon {str(path)!r}: {exc}") from None
        try:
            lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
            rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
            table = {r["word"].strip(): r["catalogue"].strip() for r in rows}
            inside = [r["word"].strip() for r in rows if (r.get("inside") or "").strip() == "yes"]
        except (KeyError, AttributeError, ValueError, csv.Error) as exc:
            raise ValidationError(f"{str(path)!r} is not a title lexicon: {exc}") from None
        return cls(table, inside)

    def copy(self) -> TitleLexicon:
        """The same entries, not fitted."""
        out = TitleLexicon({})
        out._set(self._words, self._phrases, self.inside)
        return out

    def without_filler(self) -> TitleLexicon:
        """The same entries but the dropped filler (:data:`DROP`), not fitted."""
        out = TitleLexicon({})
        out._set(
            {k: v for k, v in self._words.items() if v},
            {k: v for k, v in self._phrases.items() if v},
            self.inside,
        )
        return out

    def fingerprint(self) -> str:
        """A digest of the entries (stored guesses depend on them)."""
        body = "\n".join(f"{k}\t{v}" for k, v in sorted(self.table.items()))
        body += "\ninside\t" + " ".join(sorted(self.inside))
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    def fit(self, catalogue_texts: Iterable[str]) -> TitleLexicon:
        """Learn the catalogue's words (and its runs of words, for the phrases) from its
        normalised rows; returns self."""
        words: set[str] = set()
        runs: set[tuple[str, ...]] = set()
        lengths = {len(k) for k in self._phrases}
        for t in catalogue_texts:
            ws = t.split()
            words.update(ws)
            for n in lengths:
                runs.update(tuple(ws[i : i + n]) for i in range(len(ws) - n + 1))
        self._catalogue_words = frozenset(words)
        self._catalogue_phrases = frozenset(runs & set(self._phrases))
        self._memo = {}
        return self

    def _word(self, w: str) -> str:
        got = self._memo.get(w)
        if got is not None:
            return got
        out = w
        if w not in self._catalogue_words:
            if w in self._words:
                out = self._words[w]
            else:
                for key in self._parts:
                    if len(w) - len(key) < _MIN_REST:
                        continue
                    if w.endswith(key):
                        out = normalise_title(w[: -len(key)] + self._words[key].replace(" ", ""))
                        break
                    if w.startswith(key):
                        out = normalise_title(self._words[key].replace(" ", "") + w[len(key) :])
                        break
        self._memo[w] = out
        return out

    def rewrite(self, normed: str) -> str:
        """A normalised query with its listed words rewritten (see the module docstring)."""
        words = normed.split()
        out: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(_MAX_PHRASE, len(words) - i), 1, -1):
                run = tuple(words[i : i + n])
                if run in self._phrases and run not in self._catalogue_phrases:
                    out.append(self._phrases[run])
                    i += n
                    break
            else:
                out.append(self._word(words[i]))
                i += 1
        kept = [w for w in out if w]  # dropped filler leaves "" behind
        return " ".join(kept) if kept else normed
