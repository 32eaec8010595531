"""Word substitutions learned from the labels of one occupation: query variants for titles.

ESCO writes one occupation in many ways, and the ways follow patterns: ``verantwoordelijke X``
and ``manager X``, ``secundair onderwijs`` (Flemish) and ``voortgezet onderwijs`` (Dutch),
``docent`` and ``leraar``, ``operator`` and ``bediener``. Two labels of one occupation with the
same number of words that differ in exactly one word give one substitution (both ways).
Counted over the whole catalogue, the frequent ones are a small, readable synonym table
(``models/title-substitutions.json``, rebuilt by ``python -m models.train_title_substitutions``).
:class:`~doorstroom_match.text.TitleNormalizer` scores every variant of a query made by
replacing one word with one of its substitutes, and keeps per corpus row the best character
similarity of a variant (the ``char_sub`` signal).

Examples
--------
>>> subs = TitleSubstitutions.learn([
...     ["leerkracht wiskunde secundair onderwijs", "leerkracht wiskunde voortgezet onderwijs"],
...     ["leerkracht talen voortgezet onderwijs", "leerkracht talen secundair onderwijs"],
... ])
>>> subs.variants("docent secundair onderwijs")
['docent voortgezet onderwijs']
"""

from __future__ import annotations

import itertools
import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from doorstroom_match._exceptions import ValidationError
from doorstroom_match.text._paths import model_file
from doorstroom_match.text.normalise import normalise_title

__all__ = ["TitleSubstitutions", "substitutions_path"]

_FILENAME = "title-substitutions.json"


def substitutions_path() -> Path:
    """``$DOORSTROOM_TITLES_SUBSTITUTIONS`` when set, else ``models/title-substitutions.json``."""
    return model_file("DOORSTROOM_TITLES_SUBSTITUTIONS", _FILENAME)


class TitleSubstitutions:
    """A table word -> substitutes, best first, and the query variants it makes.

    Parameters
    ----------
    table : mapping of str to sequence of str
        Normalised words (:func:`~doorstroom_match.text.normalise.normalise_title`) and their
        substitutes, most frequent first.
    max_variants : int, default 12
        Variants made per text at most (one word replaced per variant).
    info : mapping, optional
        Training record, kept in the saved file.
    """

    def __init__(
        self,
        table: Mapping[str, Sequence[str]],
        max_variants: int = 12,
        info: Mapping[str, object] | None = None,
    ) -> None:
        if max_variants < 0:
            raise ValidationError(f"max_variants must be >= 0, got {max_variants}")
        self.table = {str(k): tuple(str(s) for s in v) for k, v in table.items() if v}
        self.max_variants = int(max_variants)
        self.info = dict(info or {})

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return f"TitleSubstitutions({len(self)} words, max_variants={self.max_variants})"

    @classmethod
    def learn(
        cls,
        label_groups: Iterable[Sequence[str]],
        min_count: int = 1,
        per_word: int = 4,
        max_variants: int = 12,
    ) -> TitleSubstitutions:
        """Count one-word differences between labels of one occupation.

        Parameters
        ----------
        label_groups : iterable of sequence of str
            The labels (preferred and alternative) of each occupation.
        min_count : int, default 1
            A substitution is kept when seen in at least this many label pairs (1 scored
            best in cross-validation by occupation: rare substitutions rarely fire wrongly).
        per_word : int, default 4
            Substitutes kept per word, most frequent first (ties: alphabetical).
        max_variants : int, default 12

        Returns
        -------
        TitleSubstitutions
        """
        if min_count < 1 or per_word < 1:
            raise ValidationError(
                f"min_count and per_word must be >= 1, got {min_count} and {per_word}"
            )
        counts: Counter[tuple[str, str]] = Counter()
        n_groups = 0
        for group in label_groups:
            labels = list(dict.fromkeys(normalise_title(str(t)) for t in group if str(t).strip()))
            n_groups += 1
            for a, b in itertools.permutations(labels, 2):
                ta, tb = a.split(), b.split()
                if len(ta) != len(tb):
                    continue
                only_a = [t for t in ta if t not in tb]
                only_b = [t for t in tb if t not in ta]
                if len(only_a) == 1 and len(only_b) == 1:
                    counts[only_a[0], only_b[0]] += 1
        table: dict[str, list[str]] = {}
        for (a, b), c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if c >= min_count and len(table.setdefault(a, [])) < per_word:
                table[a].append(b)
        info = {
            "occupations": n_groups,
            "pairs_seen": sum(counts.values()),
            "min_count": min_count,
            "per_word": per_word,
        }
        return cls(table, max_variants, info)

    def variants(self, text: str) -> list[str]:
        """Variants of a normalised text, one word replaced by one substitute each.

        Parameters
        ----------
        text : str
            Normalised text (:func:`~doorstroom_match.text.normalise.normalise_title`).

        Returns
        -------
        list of str
            At most ``max_variants``, in word order then substitute order; never ``text``.
        """
        words = text.split()
        out: list[str] = []
        for i, w in enumerate(words):
            for s in self.table.get(w, ()):
                if len(out) >= self.max_variants:
                    return out
                v = " ".join([*words[:i], s, *words[i + 1 :]])
                if v != text and v not in out:
                    out.append(v)
        return out

    def save(self, path: str | os.PathLike) -> None:
        """Write the table as JSON (``{"info": ..., "max_variants": ..., "table": ...}``)."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        rows = ",\n".join(
            f"  {json.dumps(w, ensure_ascii=False)}: {json.dumps(list(v), ensure_ascii=False)}"
            for w, v in sorted(self.table.items())
        )
        text = (
            f'{{"info": {json.dumps(self.info, sort_keys=True)},\n'
            f'"max_variants": {self.max_variants},\n"table": {{\n{rows}\n}}}}\n'
        )
        Path(path).write_text(text, encoding="utf-8")  # one word per line: readable diffs

    @classmethod
    def load(cls, path: str | os.PathLike) -> TitleSubstitutions:
        """Read a table written by :meth:`save`."""
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(doc["table"], int(doc.get("max_variants", 12)), doc.get("info"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(
                f"{str(path)!r} is not a title substitution table: {exc}"
            ) from None
