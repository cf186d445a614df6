"""Figures on the blind validation material: what the team may look at, and measure on.

``tests/data/material`` holds halves of sets written blind by helpers who saw neither the
patterns nor the models; the other halves teach the models (``knowledge/exemples-*.yaml``).
Nothing here is tuned on: a miss read here is fixed with new blind material, not by copying
the message into the knowledge. The held-out sets (``bench.safety``, ``bench.understanding``)
stay unread.

    .venv/bin/python -m bench.validation
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import yaml

from bench.safety import KEY_NUMBERS, numbers_given, scam_recognised
from bench.understanding import verdict
from bot.knowledge.decision import decide
from bot.knowledge.holder import Knowledge
from bot.safety.sensitive import find_sensitive

ROOT = Path(__file__).resolve().parent.parent
MATERIAL = ROOT / "tests" / "data" / "material"
# Kinds of the scam set the bot does not treat as secrets, by design (issue 14: a CAF
# number, a tax number or a France Travail identifier is not masked).
NOT_SECRET_KINDS = frozenset({"caf-number", "tax-number", "france-travail-id"})


def _load(name: str) -> dict:
    return yaml.safe_load((MATERIAL / name).read_text(encoding="utf-8"))


def crises(knowledge: Knowledge, data: dict) -> None:
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for item in data["crisis"]:
        level, numbers = numbers_given(knowledge.safety, item["text"])
        right = bool(numbers & KEY_NUMBERS[item["category"]])
        for key in ("all", item["category"]):
            found[key]["n"] += 1
            found[key]["right"] += right
            found[key]["sure"] += right and level == "sure"
    print("crises (right number, sure or check):")
    for key in sorted(found, key=lambda k: (k != "all", k)):
        c = found[key]
        print(f"  {key:22} {c['n']:>4} {c['right'] / c['n']:>7.1%}  sure {c['sure'] / c['n']:.1%}")
    for section in ("not_crisis", "human", "not_human", "fears"):
        levels = Counter(numbers_given(knowledge.safety, i["text"])[0] for i in data[section])
        n = sum(levels.values())
        print(
            f"  {section:22} {n:>4} takeover {levels['sure'] / n:.1%}, "
            f"gentle line {levels['check'] / n:.1%}"
        )


def people(knowledge: Knowledge, data: dict) -> None:
    asked = [verdict(decide(knowledge, i["text"]), "human") for i in data["human"]]
    wrongly = sum(decide(knowledge, i["text"]).kind == "human" for i in data["not_human"])
    fears = Counter(decide(knowledge, i["text"]).kind for i in data["fears"])
    print(
        f"requests for a person recognised: {asked.count('right')}/{len(asked)}; "
        f"look-alikes sent to a person: {wrongly}/{len(data['not_human'])}; "
        f"fears: {dict(fears)}"
    )


def phrasings(knowledge: Knowledge) -> None:
    counts: Counter[str] = Counter()
    for entry, messages in _load("phrasings_validation.yaml").items():
        for text in messages:
            counts[verdict(decide(knowledge, text), entry)] += 1
    n = sum(counts.values())
    shares = ", ".join(f"{key} {counts[key] / n:.1%}" for key in ("right", "wrong", "missed"))
    print(f"entries' phrasings kept aside ({n}): {shares}")


def scams(knowledge: Knowledge) -> None:
    data = _load("scams_validation.yaml")
    found = sum(scam_recognised(knowledge, i["text"]) for i in data["scams"])
    called = sum(
        bool((v := knowledge.safety.check_scam(i["text"])) and v.suspicious)
        for i in data["genuine"]
    )
    secrets = [i for i in data["secrets"] if i["kind"] not in NOT_SECRET_KINDS]
    masked = sum(bool(find_sensitive(i["text"])) for i in secrets)
    flagged = sum(bool(find_sensitive(i["text"])) for i in data["not_secrets"])
    print(
        f"scams recognised {found}/{len(data['scams'])}; genuine called scams "
        f"{called}/{len(data['genuine'])}; secrets found {masked}/{len(secrets)}; "
        f"harmless numbers flagged {flagged}/{len(data['not_secrets'])}"
    )


def main() -> None:
    knowledge = Knowledge.load(ROOT / "knowledge")
    data = _load("people_crises_validation.yaml")
    crises(knowledge, data)
    people(knowledge, data)
    phrasings(knowledge)
    scams(knowledge)


if __name__ == "__main__":
    main()
