#!/usr/bin/env python3
"""Builds the schematic 川渝 map the dashboard draws: Chongqing's 38 districts and
counties and Sichuan's 21 prefectures, from echarts 4.9.0's province maps (Apache-2.0),
decoded to plain GeoJSON, renamed and recoded by today's divisions (crates/core/data/
regions.tsv, 2023), coordinates rounded to 0.01° (about 1 km) with repeated points dropped and lines
simplified within that step.

    npm pack echarts@4.9.0 && tar xzf echarts-4.9.0.tgz
    tools/chuanyu_map.py package > crates/web/static/vendor/chuanyu/chuanyu.geo.json

Each feature's properties: `code` (GB/T 2260), `name`, `cp` (where its label sits).
"""
import json
import pathlib
import sys

# Counties made districts since the 2015 maps were drawn: the old code's shape, the new code.
RECODED = {"500228": "500155", "500232": "500156"}
# Grid the points snap to, in degrees: finer than the smallest district (渝中区, about 0.1°).
STEP = 0.01


def decode_ring(text, offset, scale):
    """echarts' UTF8Encoding: zigzag-encoded deltas from the ring's offset."""
    x, y = offset
    ring = []
    for i in range(0, len(text), 2):
        dx = ord(text[i]) - 64
        dy = ord(text[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        point = [round(x / scale / STEP) * STEP, round(y / scale / STEP) * STEP]
        point = [round(point[0], 2), round(point[1], 2)]
        if not ring or ring[-1] != point:
            ring.append(point)
    return ring


def simplify(ring):
    """Douglas-Peucker within one grid step: gaps it opens between neighbours are under
    a pixel at the dashboard's size."""
    if len(ring) < 5:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = ring[a], ring[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        far, at = 0.0, None
        for i in range(a + 1, b):
            px, py = ring[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            if d > far:
                far, at = d, i
        if at is not None and far > STEP:
            keep[at] = True
            stack += [(a, at), (at, b)]
    out = [p for p, k in zip(ring, keep) if k]
    return out if len(out) >= 4 else ring


def decode(geometry, scale):
    offsets = geometry["encodeOffsets"]
    coords = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        rings = [simplify(decode_ring(r, o, scale)) for r, o in zip(coords, offsets)]
        return {"type": "Polygon", "coordinates": rings}
    polygons = [
        [simplify(decode_ring(r, o, scale)) for r, o in zip(poly, offs)]
        for poly, offs in zip(coords, offsets)
    ]
    return {"type": "MultiPolygon", "coordinates": polygons}


def main():
    package = pathlib.Path(sys.argv[1])
    root = pathlib.Path(__file__).resolve().parent.parent
    names = {}
    for line in (root / "crates/core/data/regions.tsv").read_text().splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            names[parts[0]] = parts[1]
    features = []
    for province in ("chongqing", "sichuan"):
        source = json.loads((package / f"map/json/province/{province}.json").read_text())
        scale = source.get("UTF8Scale", 1024)
        for f in source["features"]:
            code = RECODED.get(f["id"], f["id"])
            if code not in names:
                sys.exit(f"{code} ({f['properties']['name']}) is not in regions.tsv")
            cp = [round(c, 3) for c in f["properties"]["cp"]]
            features.append({
                "type": "Feature",
                "properties": {"code": code, "name": names[code], "cp": cp},
                "geometry": decode(f["geometry"], scale),
            })
    features.sort(key=lambda f: f["properties"]["code"])
    json.dump({"type": "FeatureCollection", "features": features}, sys.stdout,
              ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()
