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

function drawCharts() {
  if (typeof window.Chart !== "function") {
    return;
  }
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const data = readIsland(canvas.dataset.chart);
    if (!data || !Array.isArray(data.labels) || !Array.isArray(data.datasets)) {
      return;
    }
    // eslint-disable-next-line no-new
    new window.Chart(canvas, configFor(data));
  });
}

drawCharts();
