// The intake page of the integrations test: a plain multipart form with the custom element, and
// a `novalidate` form the page sends itself with fetch(new FormData(form)).
import { protectFileInput } from "./pkg/form.js";

const settings = { key: "intake-test-key-0123456789abcdef", options: ["retainLongitudinalModifiedDates", "cleanDescriptors"] };
document.getElementById("studies").settings = settings;

const form = document.getElementById("scripted");
window.progress = [];
window.submitted = 0;
window.guard = protectFileInput(document.getElementById("scripted-input"), {
  settings,
  onProgress: (detail) => window.progress.push(detail),
});
form.addEventListener("submit", async (e) => {
  e.preventDefault();
  window.submitted++;
  const response = await fetch("/upload/fetch", { method: "POST", body: new FormData(form) });
  document.getElementById("scripted-result").value = await response.text();
});
document.body.dataset.ready = "true";
