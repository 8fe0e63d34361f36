"""Plausible, deterministic names for a services company's customers, people, projects and catalog."""

from __future__ import annotations

import random
from collections import Counter

_COMPANY_FIRST = (
    "Northwind", "Blue Ridge", "Summit", "Granite", "Harbor", "Cedar", "Silver Lake", "Redwood", "Atlas",
    "Beacon", "Crescent", "Evergreen", "Falcon", "Golden Gate", "Highland", "Ironwood", "Juniper", "Keystone",
    "Lakeside", "Meridian", "Northstar", "Oakridge", "Pinnacle", "Quarry", "Riverbend", "Sterling",
    "Tidewater", "Upland", "Vantage", "Westfield",
)  # fmt: skip
_COMPANY_SECOND = (
    "Analytics", "Logistics", "Foods", "Health", "Energy", "Media", "Robotics", "Capital", "Retail", "Pharma",
    "Software", "Textiles", "Mining", "Aerospace", "Insurance", "Hospitality", "Biotech", "Telecom",
    "Freight", "Construction", "Education", "Utilities", "Semiconductors", "Furniture", "Beverages", "Marine",
    "Agritech", "Security", "Studios", "Outfitters",
)  # fmt: skip
_COMPANY_FORM = ("Inc", "LLC", "Ltd", "Group", "Partners", "Corp", "GmbH", "SA")
_FIRST_NAMES = (
    "Ava", "Ben", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Isabel", "Jonas", "Keiko", "Liam",
    "Maya", "Nikolai", "Olivia", "Pedro", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wei", "Ximena",
    "Yusuf", "Zoe", "Amara", "Bruno", "Carmen", "Dmitri", "Esther", "Felix", "Greta", "Hassan", "Ines",
    "Jamal", "Kira", "Lars", "Mei", "Nadia",
)  # fmt: skip
_LAST_NAMES = (
    "Anderson", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
    "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quintero", "Rossi", "Schmidt", "Tanaka",
    "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zimmer", "Abbott", "Brennan", "Chen", "Dalton", "Evans",
    "Fontaine", "Gallagher", "Hughes", "Ivanova", "Jovanovic", "Keller", "Lindqvist", "Mendes", "Novak",
)  # fmt: skip
_TITLES = ("Consultant", "Senior Consultant", "Project Manager", "Solution Architect", "Analyst", "Engineer")
_PROJECT_KINDS = (
    "ERP Rollout", "Website Redesign", "Data Migration", "Security Audit", "Cloud Migration",
    "CRM Implementation", "Process Review", "BI Dashboards", "Mobile App", "Integration Build",
    "Managed Services", "Training Program",
)  # fmt: skip
_TASK_TITLES = (
    "Discovery", "Requirements", "Design", "Build", "Configuration", "Data Migration", "Testing", "Training",
    "Go-Live", "Hypercare", "Project Management", "Documentation",
)  # fmt: skip
SERVICE_ITEMS = (
    "Consulting", "Senior Consulting", "Project Management", "Development", "Training", "Support",
    "Architecture", "QA Testing", "Data Engineering", "UX Design", "Business Analysis", "DevOps",
)  # fmt: skip
EXPENSE_CATEGORIES = (
    "Airfare", "Hotel", "Meals", "Mileage", "Car Rental", "Taxi", "Parking", "Per Diem", "Office Supplies",
    "Software", "Telephone", "Conference Fees",
)  # fmt: skip
COST_CENTERS = (
    "Consulting East",
    "Consulting West",
    "Engineering",
    "Managed Services",
    "Advisory",
    "Training",
)
RATE_CARDS = ("Standard", "Enterprise", "Public Sector", "Partner", "Nonprofit")
ENTRY_NOTES = (
    "Workshop with client team", "Status meeting", "Configured workflows", "Fixed integration defects",
    "Prepared test scripts", "Data mapping session", "Wrote documentation", "User training", "",
)  # fmt: skip


class UniqueNames:
    """Hands out names, numbering repeats ("Acme Inc", "Acme Inc 2") so identifiers stay unique."""

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def __call__(self, name: str) -> str:
        self._seen[name] += 1
        count = self._seen[name]
        return name if count == 1 else f"{name} {count}"


def company_name(rng: random.Random) -> str:
    """A customer company name (not yet unique)."""
    return f"{rng.choice(_COMPANY_FIRST)} {rng.choice(_COMPANY_SECOND)} {rng.choice(_COMPANY_FORM)}"


def person_name(rng: random.Random) -> tuple[str, str]:
    """A (first, last) name pair."""
    return rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)


def job_title(rng: random.Random) -> str:
    """An employee's job title."""
    return rng.choice(_TITLES)


def project_kind(rng: random.Random) -> str:
    """What a project delivers, used in its name."""
    return rng.choice(_PROJECT_KINDS)


def task_title(position: int) -> str:
    """The title of a project's ``position``-th task (0-based)."""
    base = _TASK_TITLES[position % len(_TASK_TITLES)]
    return base if position < len(_TASK_TITLES) else f"{base} {position // len(_TASK_TITLES) + 1}"


def catalog_name(names: tuple[str, ...], position: int) -> str:
    """The ``position``-th entry of a catalog list, numbered once the list runs out."""
    base = names[position % len(names)]
    return base if position < len(names) else f"{base} {position // len(names) + 1}"
