// Report charts, drawn with Chart.js (loaded before this module, as window.Chart) from
// the JSON data islands the page carries: <script type="application/json" id="…">.
// Each <canvas data-chart="id"> names its island. The same numbers are in a table
// beside every chart, so nothing depends on this script.

const FONT = "Frutiger W01, Arial, sans-serif";

function readIsland(id) {
  const element = document.getElementById(id);
  if (!element) {
    return null;
  }
  try {
    return JSON.parse(element.textContent);
  } catch (error) {
    return null;
  }
}

function configFor(data) {
  const horizontal = Boolean(data.horizontal);
  return {
    type: data.type === "bar" ? "bar" : "line",
    data: {
      labels: data.labels,
      datasets: data.datasets.map((dataset) => ({
        label: dataset.label,
        data: dataset.data,
        borderColor: dataset.colour,
        backgroundColor: dataset.colour,
        borderWidth: 2,
        pointRadius: data.labels.length > 40 ? 0 : 3,
        tension: 0.2,
      })),
    },
    options: {
      indexAxis: horizontal ? "y" : "x",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom", labels: { font: { family: FONT } } },
      },
      scales: {
        x: { beginAtZero: true, ticks: { font: { family: FONT }, precision: 0 } },
        y: { beginAtZero: true, ticks: { font: { family: FONT }, precision: 0 } },
      },
    },
  };
}

// An SPC chart: the values with a marker per point (a circle, or for a signal a
// triangle when high and a diamond when low, so shape tells what colour does), the
// mean as a solid line and the process limits dashed.
function spcConfigFor(data) {
  const grey = "#768692";
  const signal = "#ed8b00";
  const line = (label, values, colour, dash) => ({
    label,
    data: values,
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: 2,
    borderDash: dash,
    pointRadius: 0,
    spanGaps: false,
  });
  return {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        {
          label: data.names.value,
          data: data.values,
          borderColor: "#005eb8",
          backgroundColor: data.special.map((s) => (s ? signal : "#005eb8")),
          pointStyle: data.styles,
          pointRadius: data.special.map((s) => (s ? 6 : 3)),
          borderWidth: 2,
          tension: 0,
        },
        line(data.names.mean, data.mean, grey, []),
        line(data.names.upper, data.upper, grey, [6, 4]),
        line(data.names.lower, data.lower, grey, [6, 4]),
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom", labels: { font: { family: FONT } } } },
      scales: {
        x: { ticks: { font: { family: FONT } } },
        y: { ticks: { font: { family: FONT } } },
      },
    },
  };
}

function drawCharts() {
  if (typeof window.Chart !== "function") {
    return;
  }
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const data = readIsland(canvas.dataset.chart);
    if (data && data.type === "spc" && Array.isArray(data.values)) {
      // eslint-disable-next-line no-new
      new window.Chart(canvas, spcConfigFor(data));
      return;
    }
    if (!data || !Array.isArray(data.labels) || !Array.isArray(data.datasets)) {
      return;
    }
    // eslint-disable-next-line no-new
    new window.Chart(canvas, configFor(data));
  });
}

drawCharts();
