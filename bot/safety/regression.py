"""The shipped safety sets, run against a candidate version of the safety files.

A coordinator's edit must never switch safety off: adding ``- mourir`` under
``not_crisis`` in crises.yaml, or deleting examples the model learns from, would silently
hide crises. ``kb check`` and the live reload run the labelled messages shipped in
``bot/safety/regression_sets/`` (crises, look-alikes, secrets, scams: not editable from
``knowledge/``) and refuse a change that finds fewer crises, secrets or scams, or raises more
false alarms, than the figures shipped in ``figures.yaml``, naming the messages that changed.

``python -m bot.safety.regression`` rewrites ``figures.yaml`` after a reviewed change.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.yamlfile import Problem, display_path
from bot.safety import SafetyRules, find_sensitive, load_safety
from bot.safety.crisis import Level

SETS = Path(__file__).resolve().parent / "regression_sets"
FIGURES = SETS / "figures.yaml"
KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
MAX_LISTED = 5


@dataclass(frozen=True)
class Figures:
    """What the safety files achieve on the shipped sets: higher is better, except alarms."""

    crises_found: int  # the right number given, whole reply or warm line
    crises_sure: int  # ... as the whole reply
    look_alike_takeovers: int
    secrets_found: int
    harmless_flagged: int
    scams_found: int
    genuine_called_scam: int


@dataclass(frozen=True)
class Outcome:
    figures: Figures
    missed_crises: tuple[str, ...]
    takeovers: tuple[str, ...]


def _load(name: str) -> Any:
    return yaml.safe_load((SETS / name).read_text(encoding="utf-8"))


def measure(rules: SafetyRules) -> Outcome:
    """Run every shipped message through ``rules``."""
    crises = _load("crises.yaml")
    missed, takeovers = [], []
    sure = 0
    for item in crises["crises"]:
        alert = rules.assess_crisis(item["text"])
        if alert is None or alert.category.id != item["category"]:
            missed.append(item["text"])
        elif alert.level is Level.SURE:
            sure += 1
    for text in crises["not_crisis"]:
        alert = rules.assess_crisis(text)
        if alert is not None and alert.level is Level.SURE:
            takeovers.append(text)
    sensitive = _load("sensitive.yaml")["cases"]
    secrets = sum(
        [f.category for f in find_sensitive(case["text"])] == case["expect"]
        for case in sensitive
        if case["expect"]
    )
    harmless = sum(bool(find_sensitive(case["text"])) for case in sensitive if not case["expect"])
    scams = _load("scams.yaml")["messages"]
    found = genuine = 0
    for item in scams:
        verdict = rules.check_scam(item["text"])
        suspicious = verdict is not None and verdict.suspicious
        if item["suspicious"]:
            found += suspicious
        else:
            genuine += suspicious
    figures = Figures(
        crises_found=len(crises["crises"]) - len(missed),
        crises_sure=sure,
        look_alike_takeovers=len(takeovers),
        secrets_found=secrets,
        harmless_flagged=harmless,
        scams_found=found,
        genuine_called_scam=genuine,
    )
    return Outcome(figures, tuple(missed), tuple(takeovers))


def shipped() -> Figures:
    return Figures(**yaml.safe_load(FIGURES.read_text(encoding="utf-8")))


def check(rules: SafetyRules, folder: Path) -> list[Problem]:
    """Problems (errors) when ``rules`` do worse than the shipped figures on any set."""
    outcome = measure(rules)
    now, then = outcome.figures, shipped()
    where = display_path(folder / "crises.yaml")
    problems = []
    worse = {
        "crises_found": (now.crises_found < then.crises_found, outcome.missed_crises),
        "crises_sure": (now.crises_sure < then.crises_sure, outcome.missed_crises),
        "look_alike_takeovers": (
            now.look_alike_takeovers > then.look_alike_takeovers,
            outcome.takeovers,
        ),
        "secrets_found": (now.secrets_found < then.secrets_found, ()),
        "harmless_flagged": (now.harmless_flagged > then.harmless_flagged, ()),
        "scams_found": (now.scams_found < then.scams_found, ()),
        "genuine_called_scam": (now.genuine_called_scam > then.genuine_called_scam, ()),
    }
    labels = {
        "crises_found": "crises reconnues",
        "crises_sure": "crises reconnues à coup sûr",
        "look_alike_takeovers": "fausses alertes",
        "secrets_found": "secrets repérés",
        "harmless_flagged": "nombres anodins masqués",
        "scams_found": "arnaques reconnues",
        "genuine_called_scam": "vrais messages officiels traités d'arnaque",
    }
    for key, (is_worse, messages) in worse.items():
        if not is_worse:
            continue
        listed = " ; ".join(f"« {m[:60]} »" for m in messages[:MAX_LISTED])
        message = (
            f"ce changement ferait baisser la sécurité : {labels[key]} "
            f"{getattr(now, key)} au lieu de {getattr(then, key)} sur les messages de contrôle"
            + (f" (par exemple {listed})" if listed else "")
            + " : annulez la dernière modification de crises.yaml, exemples-crises.yaml "
            "ou domaines-officiels.yaml, ou demandez à l'équipe technique"
        )
        problems.append(Problem(where, 1, message))
    return problems


def main() -> None:
    """Rewrite figures.yaml from the shipped knowledge folder (after a reviewed change)."""
    outcome = measure(load_safety(KNOWLEDGE))
    FIGURES.write_text(
        "# Written by `python -m bot.safety.regression`: what the shipped safety files achieve\n"
        "# on the sets of this folder. `kb check` refuses a change that does worse.\n"
        + yaml.safe_dump(asdict(outcome.figures), sort_keys=False),
        encoding="utf-8",
    )
    print(asdict(outcome.figures), file=sys.stdout)


if __name__ == "__main__":
    main()
