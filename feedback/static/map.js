/* The survey's map: a resident drops a pin by clicking, tapping or with the arrow keys.
   The pin shows, and is sent as, the centre of its grid cell (the server snaps it again).
   Without this script the map stays hidden and the list of places is the way to answer. */
"use strict";
(() => {
  const TILE = 256, MAX_ZOOM = 17, METRES_PER_DEGREE = 111320;

  // Web Mercator: a position in world pixels at a zoom, and back.
  const project = (lat, lon, zoom) => {
    const size = TILE * 2 ** zoom, sin = Math.sin(lat * Math.PI / 180);
    return [(lon + 180) / 360 * size, (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * size];
  };
  const unproject = (x, y, zoom) => {
    const size = TILE * 2 ** zoom;
    return [Math.atan(Math.sinh(Math.PI * (1 - 2 * y / size))) * 180 / Math.PI, x / size * 360 - 180];
  };
  // As feedback.places.snap: the centre of the cell, and the cell's half sides in degrees.
  const snap = (lat, lon, metres) => {
    const step = metres / METRES_PER_DEGREE, row = Math.round(lat / step) * step;
    const across = step / Math.max(Math.cos(row * Math.PI / 180), 0.01);
    return { lat: row, lon: Math.round(lon / across) * across, dLat: step / 2, dLon: across / 2 };
  };

  const start = (box) => {
    const view = box.querySelector(".map-view"), input = box.querySelector("input");
    const status = box.querySelector(".map-status"), grid = Number(box.dataset.grid);
    const [south, west, north, east] = box.dataset.bounds.split(",").map(Number);
    const inside = (lat, lon) => lat >= south && lat <= north && lon >= west && lon <= east;
    const tiles = new Map(), layer = document.createElement("div"), cell = document.createElement("div");
    layer.className = "map-tiles";
    cell.className = "map-pin";
    cell.hidden = true;
    view.append(layer, cell);
    box.hidden = false;

    let pin = null, zoom = 0, centre = [(south + north) / 2, (west + east) / 2];
    // The smallest zoom at which the whole area fills the view.
    const fit = () => {
      let z = 0;
      while (z < MAX_ZOOM) {
        const [x0, y0] = project(north, west, z + 1), [x1, y1] = project(south, east, z + 1);
        if (x1 - x0 > view.clientWidth || y1 - y0 > view.clientHeight) break;
        z += 1;
      }
      return z;
    };
    const least = fit();
    zoom = least;

    const draw = () => {
      const width = view.clientWidth, height = view.clientHeight, n = 2 ** zoom;
      const [cx, cy] = project(centre[0], centre[1], zoom), left = cx - width / 2, top = cy - height / 2;
      const wanted = new Set();
      for (let ty = Math.floor(top / TILE); ty * TILE < top + height; ty += 1) {
        for (let tx = Math.floor(left / TILE); tx * TILE < left + width; tx += 1) {
          if (ty < 0 || ty >= n) continue;
          const key = `${zoom}/${((tx % n) + n) % n}/${ty}`;
          wanted.add(key);
          let img = tiles.get(key);
          if (!img) {
            img = document.createElement("img");
            img.alt = "";
            img.draggable = false;
            img.referrerPolicy = "no-referrer";
            const [z, x, y] = key.split("/");
            img.src = box.dataset.tiles.replace("{z}", z).replace("{x}", x).replace("{y}", y);
            tiles.set(key, img);
            layer.append(img);
          }
          img.style.transform = `translate(${tx * TILE - left}px, ${ty * TILE - top}px)`;
        }
      }
      for (const [key, img] of tiles) if (!wanted.has(key)) { img.remove(); tiles.delete(key); }
      cell.hidden = !pin;
      if (pin) {
        const [x0, y0] = project(pin.lat + pin.dLat, pin.lon - pin.dLon, zoom);
        const [x1, y1] = project(pin.lat - pin.dLat, pin.lon + pin.dLon, zoom);
        Object.assign(cell.style, {
          left: `${x0 - left}px`, top: `${y0 - top}px`,
          width: `${Math.max(x1 - x0, 12)}px`, height: `${Math.max(y1 - y0, 12)}px`,
        });
      }
    };

    const setPin = (lat, lon) => {
      if (!inside(lat, lon)) { status.textContent = box.dataset.outside; return; }
      pin = snap(lat, lon, grid);
      input.value = `${pin.lat.toFixed(5)},${pin.lon.toFixed(5)}`;
      status.textContent = box.dataset.set;
      draw();
    };
    const clear = () => {
      pin = null;
      input.value = "";
      status.textContent = box.dataset.cleared;
      draw();
    };
    const zoomBy = (step) => {
      zoom = Math.min(MAX_ZOOM, Math.max(least, zoom + step));
      if (pin) centre = [pin.lat, pin.lon];
      draw();
    };
    const at = (event) => {
      const rect = view.getBoundingClientRect(), [cx, cy] = project(centre[0], centre[1], zoom);
      return unproject(cx + event.clientX - rect.left - rect.width / 2,
        cy + event.clientY - rect.top - rect.height / 2, zoom);
    };

    // A press that moves is a pan; one that does not drops the pin there.
    let pressed = null;
    view.addEventListener("pointerdown", (event) => {
      pressed = { x: event.clientX, y: event.clientY, centre: project(centre[0], centre[1], zoom), moved: false };
      view.setPointerCapture(event.pointerId);
    });
    view.addEventListener("pointermove", (event) => {
      if (!pressed) return;
      const dx = event.clientX - pressed.x, dy = event.clientY - pressed.y;
      if (!pressed.moved && Math.hypot(dx, dy) < 5) return;
      pressed.moved = true;
      centre = unproject(pressed.centre[0] - dx, pressed.centre[1] - dy, zoom);
      draw();
    });
    view.addEventListener("pointerup", (event) => {
      if (pressed && !pressed.moved) setPin(...at(event));
      pressed = null;
    });
    view.addEventListener("pointercancel", () => { pressed = null; });

    // Arrow keys move the pin one cell (setting it in the middle first), + and - zoom.
    view.addEventListener("keydown", (event) => {
      const moves = { ArrowUp: [1, 0], ArrowDown: [-1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      if (event.key in moves) {
        const [up, right] = moves[event.key];
        if (pin) setPin(pin.lat + 2 * up * pin.dLat, pin.lon + 2 * right * pin.dLon);
        else setPin(...centre);
        if (pin) {
          const [px, py] = project(pin.lat, pin.lon, zoom), [cx, cy] = project(centre[0], centre[1], zoom);
          if (Math.abs(px - cx) > view.clientWidth / 2 - 20 || Math.abs(py - cy) > view.clientHeight / 2 - 20) {
            centre = [pin.lat, pin.lon];
            draw();
          }
        }
      } else if (event.key === "+" || event.key === "-") {
        zoomBy(event.key === "+" ? 1 : -1);
      } else if (event.key === "Delete" || event.key === "Backspace") {
        clear();
      } else {
        return;
      }
      event.preventDefault();
    });
    for (const button of box.querySelectorAll("[data-zoom]")) {
      button.addEventListener("click", () => zoomBy(Number(button.dataset.zoom)));
    }
    box.querySelector("[data-clear]").addEventListener("click", clear);
    window.addEventListener("resize", draw);

    // A pin sent before (the form came back with an error) shows where it was.
    const [lat, lon] = input.value.split(",").map(Number);
    if (input.value && inside(lat, lon)) {
      pin = snap(lat, lon, grid);
      centre = [pin.lat, pin.lon];
    }
    draw();
  };

  document.querySelectorAll("[data-map]").forEach(start);
})();
