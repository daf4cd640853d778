"""Rank good neighbours for an oproep by geodesic distance (pure: plain data in, plain data out).

Every candidate ends up in exactly one place, with a reason the coordinator can read:

* ``proposed``: the closest eligible neighbours, as many as the oproep has places;
* ``reserve``: the other eligible neighbours, in the same order (the next to propose);
* ``excluded``: not eligible, with a reason code and a Dutch explanation;
* ``further``: (only when a reserve size is given) eligible but further away than the last
  reserve candidate; counted, not ranked exactly.

The order is deterministic: by geodesic distance (WGS84, geopy), then by sign-up time
(earliest first), then by id. No Flask, no database: the loader in ``service.py`` turns rows
into :class:`Neighbour` values.

Speed for big pools: an exact geodesic costs ~20 µs, so ranking tens of thousands of
neighbours exactly is too slow. We first compute the great-circle angle for everyone with
numpy, then run geopy only on a shortlist that provably holds the exact top *k*; see
:func:`_shortlist_bound` for the margin.

numpy and geographiclib are imported by the functions that rank, not with the module: a web
worker loads them on the first ranking, not at start.
"""

from __future__ import annotations

import enum
import functools
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from niemand_alleen.geo import LocationPrecision

if TYPE_CHECKING:
    import numpy as np
    from geographiclib.geodesic import Geodesic

__all__ = [
    "Exclusion",
    "Excluded",
    "Neighbour",
    "Origin",
    "Ranked",
    "Ranking",
    "Rules",
    "Source",
    "distance_label",
    "measured_distance_label",
    "rank",
    "round_distance",
    "search_radius",
    "sort_key",
]

# WGS84: semi-major axis and first eccentricity squared.
_A = 6_378_137.0
_E2 = 6.694379990141316e-3
# Radii of curvature of the ellipsoid lie between these two everywhere: the meridional radius
# at the equator, a(1 - e²), and the polar radius, a / sqrt(1 - e²). See _shortlist_bound.
R_MIN_M = _A * (1 - _E2)
R_MAX_M = _A / math.sqrt(1 - _E2)
# Only for describing distances we do not compute exactly (excluded as too far).
_R_MEAN_M = 6_371_008.8
# Floating-point slack on top of the mathematical bound (relative and in radians).
_FLOAT_SLACK = 1e-9


class Source(enum.StrEnum):
    SIGNUP = "signup"  # signed up for this oproep
    CONTACT_AGAIN = "contact_again"  # earlier sign-up, opted in to be asked again


class Exclusion(enum.StrEnum):
    """Why a neighbour is not ranked; checked in this order, the first that applies counts."""

    WITHDRAWN = "withdrawn"
    UNCONFIRMED = "unconfirmed"
    VETOED = "vetoed"
    DECLINED = "declined"
    UNREACHABLE = "unreachable"
    BUSY = "busy"
    DUPLICATE = "duplicate"
    NO_ORIGIN = "no_origin"
    NO_LOCATION = "no_location"
    TOO_FAR = "too_far"
    OUTSIDE_AREA_TOO_FAR = "outside_area_too_far"


EXCLUSION_LABELS: dict[Exclusion, str] = {
    Exclusion.WITHDRAWN: "Heeft de aanmelding ingetrokken.",
    Exclusion.UNCONFIRMED: "Heeft het e-mailadres (nog) niet bevestigd.",
    Exclusion.VETOED: "De bewoner wil deze buur liever niet.",
    Exclusion.DECLINED: "Heeft eerder nee gezegd tegen deze bewoner.",
    Exclusion.UNREACHABLE: "Was voor deze oproep niet bereikbaar.",
    Exclusion.BUSY: "Is al goede buur in {networks} netwerken (grens: {limit}).",
    Exclusion.DUPLICATE: "Dezelfde buur staat er al in met een andere aanmelding.",
    Exclusion.NO_ORIGIN: "De plek van de bewoner is onbekend, dus er is geen afstand te berekenen.",
    Exclusion.NO_LOCATION: "Geen bruikbare plek bekend (postcode niet gevonden).",
    Exclusion.TOO_FAR: "Woont verder weg dan {limit} (ongeveer {distance}).",
    Exclusion.OUTSIDE_AREA_TOO_FAR: (
        "Woont buiten het werkgebied en verder weg dan {limit} (ongeveer {distance})."
    ),
}


@dataclass(frozen=True, slots=True)
class Origin:
    """The resident's (approximate) location."""

    lat: float
    lon: float
    precision: LocationPrecision = LocationPrecision.ADDRESS


@dataclass(frozen=True, slots=True)
class Neighbour:
    """One sign-up, with everything the rules need and nothing personal beyond that."""

    id: uuid.UUID
    signed_up_at: datetime
    lat: float | None
    lon: float | None
    precision: LocationPrecision = LocationPrecision.ADDRESS
    source: Source = Source.SIGNUP
    confirmed: bool = True
    withdrawn: bool = False
    person: str = ""  # keyed hash of the e-mail address: the same person across sign-ups
    vetoed: bool = False  # the resident does not want this person
    declined_before: bool = False  # declined this resident (this or an earlier oproep)
    unreachable_here: bool = False  # marked unreachable for this oproep
    active_networks: int = 0  # confirmed in this many other, still active networks
    outside_area: bool = False  # signed up from outside the service area

    @property
    def has_location(self) -> bool:
        lat, lon = self.lat, self.lon
        return (
            lat is not None
            and lon is not None
            and math.isfinite(lat)
            and math.isfinite(lon)
            and -90.0 <= lat <= 90.0
            and -180.0 <= lon <= 180.0
        )


@dataclass(frozen=True, slots=True)
class Rules:
    places: int = 3
    max_distance_m: float | None = 3000.0  # None: no limit
    max_active_networks: int | None = 2  # exclude when already in this many; None: no limit
    reserve_size: int | None = None  # rank at most places + reserve_size exactly; None: all
    # Neighbours from outside the service area: never further than this (nor than
    # max_distance_m); None: the same limit as everybody.
    outside_area_max_distance_m: float | None = None

    def limit_for(self, neighbour: Neighbour) -> tuple[float, Exclusion] | None:
        """The furthest a neighbour may live from the resident, and the reason given when
        they live further; ``None``: no limit."""
        general = self.max_distance_m
        outside = self.outside_area_max_distance_m
        if (
            neighbour.outside_area
            and outside is not None
            and (general is None or outside < general)
        ):
            return outside, Exclusion.OUTSIDE_AREA_TOO_FAR
        if general is None:
            return None
        return general, Exclusion.TOO_FAR


def round_distance(metres: float, step: int = 50) -> int:
    """Distances are shown to the nearest 50 m (never suggesting house-level precision)."""
    return int(step * math.floor(metres / step + 0.5))


def format_distance(metres: float) -> str:
    """Dutch: "350 m" or "1,25 km" (rounded to 50 m)."""
    rounded = round_distance(metres)
    if rounded < 1000:
        return f"{rounded} m"
    return f"{rounded / 1000:.2f}".rstrip("0").rstrip(".").replace(".", ",") + " km"


COARSE_BELOW_M = 1000


def distance_label(metres: float, *, approximate: bool, coarse: bool = False) -> str:
    """Dutch, as the coordinator reads it: "350 m" or "bij benadering 1,25 km".

    ``coarse``: either point is only a postcode area's centre (PC4), so a short distance
    says nothing more precise than "minder dan 1 km" (two such points may even coincide).
    """
    if coarse and round_distance(metres) < COARSE_BELOW_M:
        return "minder dan 1 km (bij benadering)"
    prefix = "bij benadering " if approximate else ""
    return prefix + format_distance(metres)


def is_coarse(origin: Origin, neighbour: Neighbour) -> bool:
    """Either location is known only to its postcode area (PC4)."""
    return LocationPrecision.PC4 in (origin.precision, neighbour.precision)


@dataclass(frozen=True, slots=True)
class Ranked:
    neighbour: Neighbour
    position: int  # 1 = closest eligible
    distance_m: float  # exact geodesic metres between the stored points
    approximate: bool  # either point stands for a postcode area, not an address
    tie_with_previous: bool = False  # same distance as the one before: sign-up time decided
    proposed: bool = False
    coarse: bool = False  # either point is only known to its PC4 area

    @property
    def distance_label(self) -> str:
        return distance_label(self.distance_m, approximate=self.approximate, coarse=self.coarse)

    @property
    def explanation(self) -> str:
        where = "Voorgesteld" if self.proposed else "Reserve"
        source = (
            " Eerder aangemeld en wil opnieuw gevraagd worden."
            if self.neighbour.source is Source.CONTACT_AGAIN
            else ""
        )
        if self.tie_with_previous:
            order = "Even ver als de vorige; die meldde zich eerder aan."
        elif self.position == 1:
            order = "Woont het dichtst bij."
        else:
            order = "Woont verder weg dan nummer " + str(self.position - 1) + "."
        return f"{where}, nummer {self.position}: {self.distance_label}. {order}{source}"


@dataclass(frozen=True, slots=True)
class Excluded:
    neighbour: Neighbour
    reason: Exclusion
    explanation: str
    distance_m: float | None = None  # when known (exact, or a spherical estimate if too far)


@dataclass(frozen=True)
class Ranking:
    origin: Origin | None
    rules: Rules
    proposed: list[Ranked] = field(default_factory=list)
    reserve: list[Ranked] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)
    further: int = 0  # eligible, beyond the ranked reserve (only with a reserve size)

    @property
    def ranked(self) -> list[Ranked]:
        return [*self.proposed, *self.reserve]

    @property
    def approximate_origin(self) -> bool:
        return self.origin is not None and self.origin.precision.is_approximate


def sort_key(distance_m: float, neighbour: Neighbour) -> tuple[float, datetime, str]:
    """The ranking order: distance, then sign-up time (earliest first), then id."""
    return (distance_m, neighbour.signed_up_at, str(neighbour.id))


# geopy's geodesic distance is geographiclib's Inverse on the WGS84 ellipsoid, but geopy
# builds a new Geodesic object (~0.3 ms) per call. We keep one, with geopy's own constants,
# so the numbers are identical to geopy's (tests/matching checks this) and ~20x cheaper.
@functools.cache
def _wgs84_geodesic() -> Geodesic:
    from geographiclib.geodesic import Geodesic
    from geopy.distance import ELLIPSOIDS

    return Geodesic(ELLIPSOIDS["WGS-84"][0], ELLIPSOIDS["WGS-84"][2])


@functools.lru_cache(maxsize=1 << 16)
def _geodesic(lat0: float, lon0: float, lat: float, lon: float) -> float:
    # Stored points are rounded to 0.001°, so many neighbours share one: measure it once.
    geodesic = _wgs84_geodesic()
    result = geodesic.Inverse(lat0, lon0, lat, lon, geodesic.DISTANCE)
    return float(result["s12"]) * 1000  # geopy's ellipsoids are in kilometres


def geodesic_m(origin: Origin, neighbour: Neighbour) -> float:
    """Geodesic metres, exactly as ``geopy.distance.geodesic(...).meters`` computes them."""
    assert neighbour.lat is not None
    assert neighbour.lon is not None
    return _geodesic(origin.lat, origin.lon, neighbour.lat, neighbour.lon)


def measured_distance_label(origin: Origin | None, neighbour: Neighbour) -> str | None:
    """The distance to any neighbour, ranked or not (one who declined or was unreachable):
    the same geodesic and the same "bij benadering" rule as the ranking. None when either
    location is unknown."""
    if origin is None or not neighbour.has_location:
        return None
    approximate = origin.precision.is_approximate or neighbour.precision.is_approximate
    return distance_label(
        geodesic_m(origin, neighbour),
        approximate=approximate,
        coarse=is_coarse(origin, neighbour),
    )


def _status_exclusion(neighbour: Neighbour, rules: Rules) -> Excluded | None:
    reason: Exclusion | None = None
    text_args: dict[str, object] = {}
    if neighbour.withdrawn:
        reason = Exclusion.WITHDRAWN
    elif not neighbour.confirmed:
        reason = Exclusion.UNCONFIRMED
    elif neighbour.vetoed:
        reason = Exclusion.VETOED
    elif neighbour.declined_before:
        reason = Exclusion.DECLINED
    elif neighbour.unreachable_here:
        reason = Exclusion.UNREACHABLE
    elif (
        rules.max_active_networks is not None
        and neighbour.active_networks >= rules.max_active_networks
    ):
        reason = Exclusion.BUSY
        text_args = {"networks": neighbour.active_networks, "limit": rules.max_active_networks}
    if reason is None:
        return None
    return Excluded(neighbour, reason, EXCLUSION_LABELS[reason].format(**text_args))


def _dedupe_key(
    origin: Origin | None, neighbour: Neighbour
) -> tuple[bool, bool, float, datetime, str]:
    """Which of one person's sign-ups counts: the one for this oproep, else one with a
    location, the closest (so a wider search never changes the choice), the earliest."""
    located = origin is not None and neighbour.has_location
    return (
        neighbour.source is not Source.SIGNUP,
        not located,
        geodesic_m(origin, neighbour) if origin is not None and located else math.inf,
        neighbour.signed_up_at,
        str(neighbour.id),
    )


def _central_angles(origin: Origin, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle angle (radians) from the origin, treating geodetic lat/lon as spherical."""
    import numpy as np

    phi0, lam0 = math.radians(origin.lat), math.radians(origin.lon)
    phi, lam = np.radians(lats), np.radians(lons)
    half_dphi, half_dlam = (phi - phi0) / 2.0, (lam - lam0) / 2.0
    h = np.sin(half_dphi) ** 2 + math.cos(phi0) * np.cos(phi) * np.sin(half_dlam) ** 2
    return 2.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _shortlist_bound(kth_angle: float) -> float:
    """The angle within which every one of the exact k closest neighbours must lie.

    The proof. On the ellipsoid, in geodetic coordinates (φ, λ), the length element is
    ds² = M(φ)² dφ² + N(φ)² cos²φ dλ², with M the meridional and N the prime-vertical radius
    of curvature. Both lie between R_MIN = a(1 - e²) and R_MAX = a / √(1 - e²) for every φ.
    A sphere of radius R has ds² = R² (dφ² + cos²φ dλ²) in the same coordinates, so every
    curve is at least R_MIN and at most R_MAX times as long on the ellipsoid as on the unit
    sphere. Hence, for the great-circle angle θ between two points,

        R_MIN · θ  <=  geodesic distance  <=  R_MAX · θ.

    Let θ_k be the k-th smallest angle among the eligible neighbours. Those k neighbours are
    all within R_MAX · θ_k metres, so the k-th smallest exact distance T satisfies
    T <= R_MAX · θ_k. Any neighbour among the exact k closest (ties at T included) has
    distance <= T, so R_MIN · θ <= R_MAX · θ_k, i.e. θ <= θ_k · R_MAX / R_MIN (about 1 %
    wider). Sorting the shortlist exactly therefore gives exactly the brute-force top k.
    """
    return kth_angle * (R_MAX_M / R_MIN_M) * (1 + _FLOAT_SLACK) + _FLOAT_SLACK


def search_radius(
    origin: Origin, lats: Sequence[float], lons: Sequence[float], count: int
) -> float | None:
    """Geodesic metres within which at least ``count`` of the points lie (None when there are
    fewer points): R_MAX times the ``count``-th smallest great-circle angle, since no
    geodesic is longer than R_MAX times its angle (see :func:`_shortlist_bound`)."""
    if count < 1 or len(lats) < count:
        return None
    import numpy as np

    angles = _central_angles(origin, np.asarray(lats, dtype=float), np.asarray(lons, dtype=float))
    kth = float(np.partition(angles, count - 1)[count - 1])
    return kth * R_MAX_M * (1 + _FLOAT_SLACK) + _FLOAT_SLACK


def rank(origin: Origin | None, neighbours: Iterable[Neighbour], rules: Rules) -> Ranking:
    """Rank the neighbours for one oproep; see the module docstring."""
    if rules.places < 1:
        raise ValueError("places must be at least 1")
    eligible, excluded = _split_by_status(neighbours, rules)
    located = _locatable(origin, eligible, excluded)
    if origin is None or not located:
        return Ranking(origin=origin, rules=rules, excluded=_ordered(excluded))

    import numpy as np

    lats = np.fromiter((n.lat for n in located), dtype=float, count=len(located))
    lons = np.fromiter((n.lon for n in located), dtype=float, count=len(located))
    angles = _central_angles(origin, lats, lons)
    within, exact = _within_distance(origin, located, angles, rules, excluded)
    candidates = np.flatnonzero(within)
    wanted = len(candidates)
    if rules.reserve_size is not None:
        wanted = min(wanted, rules.places + rules.reserve_size)
    shortlist = _shortlist(angles, candidates, wanted)
    ranked = _positions(origin, _closest(origin, located, shortlist, exact, wanted), rules)
    return Ranking(
        origin=origin,
        rules=rules,
        proposed=ranked[: rules.places],
        reserve=ranked[rules.places :],
        excluded=_ordered(excluded),
        further=len(candidates) - wanted,
    )


def _split_by_status(
    neighbours: Iterable[Neighbour], rules: Rules
) -> tuple[list[Neighbour], list[Excluded]]:
    """The neighbours whose status allows them, and the refusals of the others."""
    excluded: list[Excluded] = []
    eligible: list[Neighbour] = []
    for neighbour in neighbours:
        refusal = _status_exclusion(neighbour, rules)
        if refusal is None:
            eligible.append(neighbour)
        else:
            excluded.append(refusal)
    return eligible, excluded


def _counted_sign_ups(origin: Origin | None, eligible: list[Neighbour]) -> set[int]:
    """One person, one candidacy (signed up twice, or also on the "ask me again" list):
    the ``id()`` of each person's sign-up that counts."""
    by_person: dict[str, list[Neighbour]] = {}
    for neighbour in eligible:
        if neighbour.person:
            by_person.setdefault(neighbour.person, []).append(neighbour)
    winners = {
        id(min(rows, key=lambda n: _dedupe_key(origin, n)))
        for rows in by_person.values()
        if len(rows) > 1
    }
    winners |= {id(rows[0]) for rows in by_person.values() if len(rows) == 1}
    return winners


def _locatable(
    origin: Origin | None, eligible: list[Neighbour], excluded: list[Excluded]
) -> list[Neighbour]:
    """The eligible neighbours a distance can be measured to; adds the others to
    ``excluded`` (a person's other sign-up, no origin, no location)."""
    winners = _counted_sign_ups(origin, eligible)
    located: list[Neighbour] = []
    for neighbour in eligible:
        if neighbour.person and id(neighbour) not in winners:
            reason = Exclusion.DUPLICATE
        elif origin is None:
            reason = Exclusion.NO_ORIGIN
        elif not neighbour.has_location:
            reason = Exclusion.NO_LOCATION
        else:
            located.append(neighbour)
            continue
        excluded.append(Excluded(neighbour, reason, EXCLUSION_LABELS[reason]))
    return located


def _within_distance(
    origin: Origin,
    located: list[Neighbour],
    angles: np.ndarray,
    rules: Rules,
    excluded: list[Excluded],
) -> tuple[np.ndarray, dict[int, float]]:
    """Which located neighbours are within their maximum distance (``Rules.limit_for``), and
    the exact distances computed on the way; adds the ones too far to ``excluded``.

    Surely too far beyond R_MIN·θ > limit; an exact check only near the limit.
    """
    import numpy as np

    exact: dict[int, float] = {}
    limits = _limits(located, rules)
    if limits is None:
        return np.ones(len(located), dtype=bool), exact
    lower = angles * R_MIN_M * (1 - _FLOAT_SLACK)
    upper = angles * R_MAX_M * (1 + _FLOAT_SLACK)
    surely_far = lower > limits
    unsure = np.flatnonzero(~surely_far & (upper > limits))
    for index in unsure.tolist():
        exact[index] = geodesic_m(origin, located[index])
        if exact[index] > limits[index]:
            surely_far[index] = True
    for index in np.flatnonzero(surely_far).tolist():
        estimate = exact.get(index, float(angles[index]) * _R_MEAN_M)
        limit = rules.limit_for(located[index])
        assert limit is not None
        excluded.append(
            Excluded(
                located[index],
                limit[1],
                EXCLUSION_LABELS[limit[1]].format(
                    limit=format_distance(limit[0]), distance=format_distance(estimate)
                ),
                distance_m=estimate,
            )
        )
    return ~surely_far, exact


def _limits(located: list[Neighbour], rules: Rules) -> np.ndarray | None:
    """Each located neighbour's maximum distance in metres (infinite: none); ``None`` when
    nobody has one."""
    import numpy as np

    general = math.inf if rules.max_distance_m is None else rules.max_distance_m
    limits = np.full(len(located), general, dtype=float)
    if rules.outside_area_max_distance_m is not None:
        outside = [i for i, neighbour in enumerate(located) if neighbour.outside_area]
        limits[outside] = np.minimum(limits[outside], rules.outside_area_max_distance_m)
    return limits if np.isfinite(limits).any() else None


def _shortlist(angles: np.ndarray, candidates: np.ndarray, wanted: int) -> np.ndarray:
    """The candidates that may be among the ``wanted`` closest (see _shortlist_bound)."""
    import numpy as np

    if wanted >= len(candidates):
        return candidates
    order = candidates[np.argsort(angles[candidates], kind="stable")]
    bound = _shortlist_bound(float(angles[order[wanted - 1]])) if wanted else -1.0
    return candidates[angles[candidates] <= bound]


def _closest(
    origin: Origin,
    located: list[Neighbour],
    shortlist: np.ndarray,
    exact: dict[int, float],
    wanted: int,
) -> list[tuple[float, Neighbour]]:
    """The ``wanted`` closest of the shortlist in ranking order, with exact distances."""
    scored = []
    for index in shortlist.tolist():
        distance = exact.get(index)
        if distance is None:
            distance = geodesic_m(origin, located[index])
        scored.append((sort_key(distance, located[index]), distance, located[index]))
    scored.sort(key=lambda item: item[0])
    return [(distance, neighbour) for _key, distance, neighbour in scored[:wanted]]


def _positions(
    origin: Origin, closest: list[tuple[float, Neighbour]], rules: Rules
) -> list[Ranked]:
    """Number the closest neighbours; the first ``rules.places`` are proposed."""
    ranked: list[Ranked] = []
    previous: float | None = None
    for position, (distance, neighbour) in enumerate(closest, start=1):
        ranked.append(
            Ranked(
                neighbour=neighbour,
                position=position,
                distance_m=distance,
                approximate=origin.precision.is_approximate or neighbour.precision.is_approximate,
                tie_with_previous=previous is not None and distance == previous,
                proposed=position <= rules.places,
                coarse=is_coarse(origin, neighbour),
            )
        )
        previous = distance
    return ranked


_REASON_ORDER = {reason: index for index, reason in enumerate(Exclusion)}


def _ordered(excluded: Sequence[Excluded]) -> list[Excluded]:
    """Excluded neighbours grouped by reason, then by sign-up time: stable for the page."""
    return sorted(
        excluded,
        key=lambda e: (_REASON_ORDER[e.reason], e.neighbour.signed_up_at, str(e.neighbour.id)),
    )
