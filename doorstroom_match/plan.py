"""Development plans (POP / PDP) from the gaps between a worker and a vacancy.

Each gap becomes a plan line with the fields a coach fills in: the action, who helps, by when,
and the measurable result, and whether it is a technical or a generic competence. The library
proposes a sensible first draft; the coach edits it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from ._export import csv_text
from ._validation import check_int
from .competences import LEVEL_LABELS
from .opening import OpeningGap
from .profiles import Vacancy, WorkerProfile
from .ranking import Gap, gaps_for

__all__ = ["PlanItem", "DevelopmentPlan", "development_plan"]

# A first proposal of an action per competence; the coach adapts it.
_ACTIONS: dict[str, str] = {
    "samenwerken": "taken in duo of team op de werkvloer, met wekelijkse feedback",
    "zelfstandigheid": "stap voor stap taken zonder begeleiding uitvoeren, begeleiding afbouwen",
    "initiatief": "afspreken welke problemen de werknemer zelf meldt en welke taken hij zelf start",
    "flexibiliteit": "roteren over posten en werkschema's, wijzigingen vooraf bespreken",
    "leervermogen": "korte opleiding of instructie volgen en het geleerde tonen op de werkvloer",
    "motivatie": "jobdoelwit concreet maken met een bedrijfsbezoek of BVS",
    "nauwkeurigheid": "werken met een checklist en kwaliteitscontrole door de begeleider",
    "discipline": "regels en afspraken samen overlopen, naleving wekelijks bespreken",
    "gezag_aanvaarden": "rollenspel en feedbackgesprekken met de leidinggevende",
    "stressbestendigheid": "geleidelijk tempo en drukte opbouwen, omgaan met stress bespreken",
    "conflicthantering": "training conflicthantering, situaties nabespreken",
    "voorkomen": "afspraken over kledij en verzorging voor de nieuwe job",
    "fysieke_mogelijkheden": "arbeidsgeneeskundig advies, aangepaste taken of hulpmiddelen",
    "lezen_schrijven_rekenen": "basiseducatie (CBE) of werkplekleren met werkinstructies",
    "communicatie": "oefenen van werkoverleg en melden aan de leidinggevende",
    "taalkennis_nederlands": "NT2-les of taalcoaching op de werkvloer",
    "werkorganisatie": "werkplanning met dag- of weekschema, opvolgen met de begeleider",
    "verantwoordelijkheid": "verantwoordelijkheid voor een eigen taak of post geven",
    "houding": "gedragsafspraken maken en wekelijks evalueren",
    "werktempo": "tempo stapsgewijs verhogen met meetbare dagdoelen",
    "stiptheid": "afspraken over op tijd komen en verwittigen, aanwezigheid opvolgen",
    "assertiviteit": "oefenen in eigen grenzen en vragen aangeven",
    "klantvriendelijkheid": "oefenen van klantcontact onder begeleiding",
}


@dataclass(frozen=True)
class PlanItem:
    """One line of a development plan.

    Attributes
    ----------
    priority : int
        1 is the most important gap.
    competence, label : str
        Competence id and Dutch label.
    competence_type : {'generiek', 'technisch'}
        Generic (attitude) or technical (job-specific) competence.
    required, actual : str
        Required and measured level as Dutch labels (``niet gemeten`` when not rated).
    shortfall : int
        Levels to bridge.
    action, who_helps, deadline, measurable_result : str
        The coach's fields, pre-filled with a proposal.
    done : bool, default=False
        *Voltooid*: the coach ticks the line off once the result is reached.
    remark : str, default=""
        The coach's remark; the werkpunt that opens most doors says how many vacancies it opens.
    for_vacancy : bool, default=True
        The line bridges a gap for the plan's vacancy; False for the werkpunt that opens most
        doors when this vacancy does not need it.
    """

    priority: int
    competence: str
    label: str
    competence_type: str
    required: str
    actual: str
    shortfall: int
    action: str
    who_helps: str
    deadline: str
    measurable_result: str
    done: bool = False
    remark: str = ""
    for_vacancy: bool = True


_FIELDS = [f for f in PlanItem.__dataclass_fields__]
_HEADERS_NL = {
    "priority": "prioriteit",
    "competence": "competentie_id",
    "label": "competentie",
    "competence_type": "type",
    "required": "vereist",
    "actual": "gemeten",
    "shortfall": "kloof",
    "action": "actie",
    "who_helps": "wie helpt",
    "deadline": "tegen wanneer",
    "measurable_result": "meetbaar resultaat",
    "done": "voltooid",
    "remark": "opmerking",
    "for_vacancy": "voor deze vacature",
}


@dataclass(frozen=True)
class DevelopmentPlan:
    """A development plan for one worker towards one vacancy or internship place.

    Attributes
    ----------
    worker_id, vacancy_id, vacancy_title : str
    kind : {'POP', 'PDP'}
        Personal development plan, or personal *doorstroom* plan aimed at moving on.
    items : tuple of PlanItem
        Most important first; empty when the worker already passes the cut-off (and no
        werkpunt that opens more doors was given). With an ``opening``, its competence is the
        first line.
    strengths : tuple of str
        Dutch labels of the competences the worker masters (``goed`` or ``zeer goed``), best
        first: a plan names what goes well, not only the gaps.
    opening : OpeningGap or None
        The werkpunt that opens most vacancies within reach
        (:func:`doorstroom_match.opening_gaps`), when it was given.
    """

    worker_id: str
    vacancy_id: str
    vacancy_title: str
    kind: str
    items: tuple[PlanItem, ...]
    strengths: tuple[str, ...] = ()
    opening: OpeningGap | None = None

    @property
    def passes_cutoff(self) -> bool:
        """True when there is no gap to bridge for this vacancy."""
        return not any(i.for_vacancy for i in self.items)

    def to_records(self) -> list[dict[str, Any]]:
        """The plan lines as plain dicts."""
        return [asdict(item) for item in self.items]

    def to_csv(self, path: str | None = None) -> str:
        """The plan as CSV (Dutch headers); written to ``path`` when given, also returned.

        Text cells a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
        ``@``, a tab or a carriage return) get a leading apostrophe; see
        :mod:`doorstroom_match._export`.
        """
        text = csv_text(
            ["werknemer", "vacature", *(_HEADERS_NL[f] for f in _FIELDS)],
            (
                [self.worker_id, self.vacancy_id, *(getattr(item, f) for f in _FIELDS)]
                for item in self.items
            ),
        )
        if path is not None:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        return text

    def to_markdown(self) -> str:
        """The plan as a Markdown document a coach can paste into the trajectory file."""
        lines = [
            f"# {self.kind} — werknemer {self.worker_id}",
            "",
            f"Doel: **{self.vacancy_title}** ({self.vacancy_id})",
            "",
        ]
        if self.strengths:
            lines += [f"Sterktes: {', '.join(self.strengths)}", ""]
        if self.opening is not None and self.opening.competence is not None:
            lines += [f"Werkpunt dat de meeste deuren opent: {self.opening.describe()}", ""]
        if not self.items:
            lines.append("De werknemer haalt alle minimumniveaus: geen kloof te overbruggen.")
            return "\n".join(lines) + "\n"
        cols = [
            "priority",
            "label",
            "competence_type",
            "required",
            "actual",
            "action",
            "who_helps",
            "deadline",
            "measurable_result",
            "done",
            "remark",
        ]
        lines.append("| " + " | ".join(_HEADERS_NL[c] for c in cols) + " |")
        lines.append("|" + "---|" * len(cols))
        for item in self.items:
            cells = [
                ("[x]" if item.done else "[ ]")
                if c == "done"
                else str(getattr(item, c)).replace("|", "/")
                for c in cols
            ]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"


def _item(priority: int, gap: Gap, start: _dt.date, weeks_per_level: int) -> PlanItem:
    technical = gap.type == "technisch"
    required = LEVEL_LABELS[gap.required]
    if not gap.assessed:
        action = f"eerst meten: observatie op de werkvloer en assessment van '{gap.label}'"
        who = "doorstroomcoach en werkvloerbegeleider"
        result = f"niveau gemeten door twee beoordelaars; doel: minstens '{required}'"
        weeks = 2
    else:
        action = _ACTIONS.get(
            gap.competence,
            "opleiding of werkplekleren voor deze vaardigheid"
            if technical
            else "oefenen op de werkvloer met wekelijkse feedback",
        )
        who = (
            "opleider of VDAB-opleiding" if technical else "werkvloerbegeleider en doorstroomcoach"
        )
        result = (
            f"'{required}' behaald op alle gedragsindicatoren, vastgesteld door de "
            "werkvloerbegeleider op twee verschillende dagen"
        )
        weeks = weeks_per_level * gap.shortfall
    return PlanItem(
        priority=priority,
        competence=gap.competence,
        label=gap.label,
        competence_type="technisch" if technical else "generiek",
        required=required,
        actual=LEVEL_LABELS[gap.actual] if gap.actual else "niet gemeten",
        shortfall=gap.shortfall,
        action=action,
        who_helps=who,
        deadline=(start + _dt.timedelta(weeks=weeks)).isoformat(),
        measurable_result=result,
    )


def development_plan(
    worker: WorkerProfile | Mapping[str, Any],
    vacancy: Vacancy | Mapping[str, Any],
    *,
    kind: str = "PDP",
    start: _dt.date | None = None,
    weeks_per_level: int = 4,
    opening: OpeningGap | None = None,
) -> DevelopmentPlan:
    """A development plan that turns the worker's gaps for a vacancy into actions.

    Parameters
    ----------
    worker : WorkerProfile or record
    vacancy : Vacancy or record
    kind : {'PDP', 'POP'}, default='PDP'
    start : date, optional
        Start of the plan (today when omitted); deadlines count from it.
    weeks_per_level : int, default=4
        Proposed time to bridge one level.
    opening : OpeningGap, optional
        The worker's werkpunt that opens most doors (:func:`doorstroom_match.opening_gaps`):
        its competence becomes the first line (one level up, with how many vacancies it opens
        in the remark), also when this vacancy does not need it.

    Returns
    -------
    DevelopmentPlan
        Lines most important first (largest weighted shortfall, core competences first);
        a never-rated competence is first measured. The worker's strengths come with it.

    Examples
    --------
    >>> from doorstroom_match import WorkerProfile, Vacancy, development_plan
    >>> w = WorkerProfile("W1", {"samenwerken": "matig"})
    >>> v = Vacancy("V1", "magazijnier", requirements={"samenwerken": "goed", "stiptheid": 3})
    >>> plan = development_plan(w, v, start=__import__("datetime").date(2026, 1, 5))
    >>> [(i.priority, i.competence, i.actual) for i in plan.items]
    [(1, 'stiptheid', 'niet gemeten'), (2, 'samenwerken', 'matig')]
    """
    from .ranking import as_vacancies, as_workers

    if kind not in ("PDP", "POP"):
        from ._exceptions import ValidationError

        raise ValidationError(f"kind must be 'PDP' or 'POP', got {kind!r}")
    weeks_per_level = check_int(weeks_per_level, "weeks_per_level", low=1)
    wk = as_workers([worker])[0]
    vac = as_vacancies([vacancy])[0]
    start = start or _dt.date.today()
    gaps = gaps_for(wk, vac)
    first: PlanItem | None = None
    if opening is not None:
        if not isinstance(opening, OpeningGap):
            from ._exceptions import ValidationError

            raise ValidationError(
                f"opening must be an OpeningGap (opening_gaps()), got {type(opening).__name__}"
            )
        if opening.worker_id != wk.id:
            from ._exceptions import ValidationError

            raise ValidationError(
                f"opening is for worker {opening.worker_id!r}, the plan for worker {wk.id!r}"
            )
    if opening is not None and opening.competence is not None:
        n = opening.n_opened
        remark = f"opent {n} vacature{'s' if n != 1 else ''} binnen bereik"
        own = next((g for g in gaps if g.competence == opening.competence), None)
        if own is not None:
            gaps.remove(own)
            first = replace(_item(1, own, start, weeks_per_level), remark=remark)
        else:
            comp = wk.dictionary.get(opening.competence)
            step = Gap(
                competence=opening.competence,
                required=opening.to_level,
                actual=opening.from_level or None,
                shortfall=1,
                assessed=opening.from_level > 0,
                label=opening.label,
                group=comp.group if comp else "bijkomend",
                type=comp.type if comp else "generiek",
            )
            first = replace(
                _item(1, step, start, weeks_per_level), remark=remark, for_vacancy=False
            )
    lead = (first,) if first is not None else ()
    items = lead + tuple(
        _item(i, g, start, weeks_per_level) for i, g in enumerate(gaps, start=1 + len(lead))
    )
    order = {c: i for i, c in enumerate(wk.dictionary.ids)}
    ranked = sorted(wk.competences.items(), key=lambda kv: (-kv[1], order.get(kv[0], 1 << 20)))
    strengths = tuple(wk.dictionary.label(c) for c, lv in ranked if lv >= 3)
    return DevelopmentPlan(wk.id, vac.id, vac.title, kind, items, strengths, opening)
