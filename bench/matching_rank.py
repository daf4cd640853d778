"""Time of ranking good neighbours for one oproep with 100, 10,000 and 1,000,000 in the pool.

    .venv/bin/python bench/matching_rank.py [--sizes 100,10000,1000000] [--repeat 5]

Targets: under 50 ms at 10,000 and under 500 ms at 1,000,000 neighbours.

For each size a throw-away SQLite database is built by running the migrations (in a
temporary folder), then N confirmed neighbours who asked to be asked again are bulk-inserted
(executemany) at random points spread over the Drechtsteden, rounded to 0.001° as stored;
30 of them signed up for the oproep itself. The resident lives in Sterrenburg. Only the
ranking is timed (median of the repeats), in two forms:

* "propose": what closing an oproep and proposing the next one run: the three closest plus a
  reserve of three, by an expanding search on the indexed bounding box, exact geodesic order;
* "page": the coordinator's page: the three closest and a reserve of twenty.

Exact geodesics are cached per stored point (rounded to 0.001°) for the life of the process,
so repeats after the first measure the database and numpy part; the first run of each size is
printed too ("first").
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade
from sqlmodel import Session

from niemand_alleen import create_app
from niemand_alleen.config import Settings, load_settings
from niemand_alleen.crypto import keyring
from niemand_alleen.matching.matcher import _geodesic
from niemand_alleen.matching.service import ranking_for
from niemand_alleen.models import (
    LawfulBasisArt6,
    LawfulBasisArt9,
    LocationPrecision,
    Oproep,
    OproepStatus,
    Resident,
    Volunteer,
)

# The Drechtsteden, roughly: Alblasserdam and Papendrecht to Zwijndrecht and Dordrecht-Zuid.
LAT_RANGE = (51.77, 51.87)
LON_RANGE = (4.58, 4.82)
RESIDENT = (51.7935, 4.6920)  # Sterrenburg
SIGNUPS_FOR_OPROEP = 30
T0 = datetime(2026, 1, 1, tzinfo=UTC)
COLUMNS = (
    "id, oproep_id, first_name, last_name, email, email_hash, phone, postcode, house_number, "
    "pc4, lat, lon, location_precision, consent_at, contact_again, status, created_at"
)


def _stamp(moment: datetime) -> str:
    # How SQLAlchemy stores a DateTime on SQLite (UTC, no offset).
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def fill(engine: sa.Engine, settings: Settings, size: int) -> uuid.UUID:
    """The resident and open oproep through the models; the neighbours by executemany."""
    with Session(engine) as session:
        resident = Resident(
            first_name="Bank",
            last_name="Mark",
            street="Straat",
            house_number="1",
            postcode="3328AB",
            phone="+31612345678",
            birth_date="1940-01-01",
            situation="Bench.",
            location=f"{RESIDENT[0]},{RESIDENT[1]}",
            location_precision=LocationPrecision.ADDRESS,
            lawful_basis_art6=LawfulBasisArt6.PUBLIC_TASK,
            lawful_basis_art9=LawfulBasisArt9.SOCIAL_CARE,
        )
        session.add(resident)
        session.flush()
        oproep = Oproep(resident_id=resident.id, status=OproepStatus.OPEN, places=3, pc4="3328")
        session.add(oproep)
        session.commit()
        oproep_id = oproep.id
    # Encrypt the personal fields once and reuse the tokens: the ranking never reads them,
    # and encrypting a million rows would time Fernet, not the matcher.
    secret = keyring().encrypt("bench")
    rng = random.Random(6)
    rows = []
    for number in range(size):
        own = number < SIGNUPS_FOR_OPROEP
        rows.append(
            (
                uuid.uuid4().hex,
                oproep_id.hex if own else None,
                secret,
                secret,
                secret,
                uuid.uuid4().hex,
                secret,
                secret,
                secret,
                "3300",
                round(rng.uniform(*LAT_RANGE), 3),
                round(rng.uniform(*LON_RANGE), 3),
                "pc6",
                _stamp(T0),
                not own,
                "confirmed",
                _stamp(T0 + timedelta(minutes=rng.randrange(500_000))),
            )
        )
    placeholders = ", ".join("?" * len(COLUMNS.split(",")))
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"INSERT INTO volunteer ({COLUMNS}) VALUES ({placeholders})",  # noqa: S608
            rows,
        )
        connection.exec_driver_sql("ANALYZE")
    return oproep_id


def time_ranking(
    engine: sa.Engine, settings: Settings, oproep_id: uuid.UUID, reserve: int, repeat: int
) -> tuple[float, float]:
    """First run and median of the repeats, in milliseconds."""
    times = []
    for _ in range(repeat):
        with Session(engine) as session:
            oproep = session.get(Oproep, oproep_id)
            assert oproep is not None
            start = time.perf_counter()
            ranking_for(session, settings, oproep, reserve_size=reserve)
            times.append(time.perf_counter() - start)
    return times[0] * 1000, statistics.median(times) * 1000


def run(size: int, repeat: int) -> tuple[float, float, float]:
    _geodesic.cache_clear()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings("test", environ={}, instance_path=Path(tmp)).with_overrides(
            database_url=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        )
        app = create_app(settings, migrations=True)
        with app.app_context():
            upgrade()
            engine = app.extensions["database"].engine
            oproep_id = fill(engine, settings, size)
            with Session(engine) as session:  # the bulk rows read back through the models
                sample = session.get(Volunteer, session.exec(sa.select(Volunteer.id)).first())  # type: ignore[call-overload]
                assert sample is not None
                assert sample.first_name == "bench"
            first, propose_ms = time_ranking(engine, settings, oproep_id, 3, repeat)
            _, page_ms = time_ranking(engine, settings, oproep_id, 20, repeat)
            engine.dispose()
    return first, propose_ms, page_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(part) for part in args.sizes.split(",")]
    print(f"{'pool':>10}  {'first (ms)':>10}  {'propose (ms)':>12}  {'page (ms)':>10}")
    results = []
    for size in sizes:
        first, propose_ms, page_ms = run(size, args.repeat)
        results.append((size, first, propose_ms, page_ms))
        print(f"{size:>10,}  {first:>10.1f}  {propose_ms:>12.1f}  {page_ms:>10.1f}", flush=True)
    print("growth (time ratio per pool ratio, medians):")
    for (small, _f1, p1, g1), (big, _f2, p2, g2) in zip(results, results[1:], strict=False):
        print(
            f"  {small:,} -> {big:,} ({big / small:,.0f}x pool): "
            f"propose {p2 / p1:.1f}x, page {g2 / g1:.1f}x"
        )


if __name__ == "__main__":
    main()
