// Runs first in <body>: tells the NHS.UK styles that JavaScript is on (kept out of the page for the CSP).
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
