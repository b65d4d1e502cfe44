// Automatic spacing of markers that would overlap at the current zoom: markers closer than `gap`
// pixels push each other apart (a few rounds of pairwise repulsion, with a pull back towards each
// marker's true position), so every stop number and every check-in stays visible and clickable.
// Markers sharing one spot start on a small circle around it. Recomputed after every zoom.
export function declutter(map, items, gap = 24, rounds = 60) {
  const spots = items.map((item) => map.latLngToLayerPoint(item.latlng));
  const at = spots.map((p) => ({ x: p.x, y: p.y }));
  const seen = new Map();
  at.forEach((p, i) => {  // coincident markers: spread on a circle so repulsion has a direction
    const key = `${Math.round(p.x)},${Math.round(p.y)}`;
    const rank = seen.get(key) ?? 0;
    seen.set(key, rank + 1);
    if (rank > 0) {
      p.x += Math.cos(rank * 2.4) * gap * 0.5;
      p.y += Math.sin(rank * 2.4) * gap * 0.5;
    }
    void i;
  });
  for (let round = 0; round < rounds; round += 1) {
    let moved = false;
    for (let i = 0; i < at.length; i += 1) {
      for (let j = i + 1; j < at.length; j += 1) {
        const dx = at[j].x - at[i].x, dy = at[j].y - at[i].y;
        const distance = Math.hypot(dx, dy);
        if (distance >= gap) continue;
        const push = (gap - distance) / 2 + 0.5;
        const ux = distance > 0.01 ? dx / distance : Math.cos(i + j), uy = distance > 0.01 ? dy / distance : Math.sin(i + j);
        at[i].x -= ux * push; at[i].y -= uy * push;
        at[j].x += ux * push; at[j].y += uy * push;
        moved = true;
      }
    }
    if (!moved) break;
    for (let i = 0; i < at.length; i += 1) {  // a weak pull home keeps the layout near the truth
      at[i].x += (spots[i].x - at[i].x) * 0.02;
      at[i].y += (spots[i].y - at[i].y) * 0.02;
    }
  }
  items.forEach((item, i) => item.layer.setLatLng(map.layerPointToLatLng([at[i].x, at[i].y])));
}
