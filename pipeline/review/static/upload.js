// Upload a Zoom recording folder: announce its files, send each from where it stopped, then start processing.
"use strict";
const drop = document.getElementById("drop");
const picker = document.getElementById("folder-picker");
const bar = document.getElementById("upload-bar");
const label = document.getElementById("upload-label");

function readEntries(reader) {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function filesOf(entry, prefix) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    return [{path: prefix + entry.name, file}];
  }
  const reader = entry.createReader();
  const found = [];
  for (let batch = await readEntries(reader); batch.length; batch = await readEntries(reader)) {
    for (const child of batch) found.push(...await filesOf(child, prefix + entry.name + "/"));
  }
  return found;
}

function sendFrom(folder, item, offset, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    const inner = item.path.split("/").slice(1).join("/");
    request.open("PUT", `/api/uploads/${encodeURIComponent(folder)}/file?path=${encodeURIComponent(inner)}&offset=${offset}`);
    request.upload.onprogress = (event) => onProgress(offset + event.loaded);
    request.onload = () => (request.status < 300 ? resolve(JSON.parse(request.responseText)) : reject(request));
    request.onerror = () => reject(request);
    request.send(item.file.slice(offset));
  });
}

async function upload(items) {
  items = items.filter((item) => !item.path.split("/").some((part) => part.startsWith(".")));
  if (!items.length) return;
  const total = items.reduce((sum, item) => sum + item.file.size, 0);
  document.getElementById("upload-progress").hidden = false;
  const start = await postJSON("/api/uploads", {files: items.map((item) => ({path: item.path, size: item.file.size}))});
  if (!start.ok) { showMessage(start.data.errore, "error"); label.textContent = start.data.errore; return; }
  const folder = start.data.cartella;
  const received = start.data.ricevuti;
  let done = Object.values(received).reduce((a, b) => a + b, 0);
  for (const item of items) {
    const inner = item.path.split("/").slice(1).join("/");
    const already = received[inner] || 0;
    if (already >= item.file.size) continue;
    label.textContent = `Caricamento di ${inner}…`;
    const before = done - already;
    try {
      await sendFrom(folder, item, already, (sent) => { bar.value = (100 * (before + sent)) / Math.max(total, 1); });
    } catch (failed) {
      label.textContent = "Caricamento interrotto: scegli di nuovo la stessa cartella per riprenderlo.";
      showMessage(label.textContent, "error");
      return;
    }
    done = before + item.file.size;
  }
  bar.value = 100;
  const finish = await postJSON(`/api/uploads/${encodeURIComponent(folder)}/finish`, {});
  label.textContent = finish.ok ? `«${folder}» caricata: elaborazione avviata.` : finish.data.errore;
  showMessage(label.textContent, finish.ok ? "info" : "error");
  refreshSessions();
}

drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", async (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  const entries = Array.from(event.dataTransfer.items).map((item) => item.webkitGetAsEntry()).filter(Boolean);
  const items = [];
  for (const entry of entries) items.push(...await filesOf(entry, ""));
  await upload(items);
});
picker.addEventListener("change", () => upload(Array.from(picker.files).map((file) => ({path: file.webkitRelativePath || file.name, file}))));

// The list of sessions follows the processing.
async function refreshSessions() {
  const response = await fetch("/");
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  document.querySelector("#sessions tbody").replaceWith(page.querySelector("#sessions tbody"));
}
setInterval(() => {
  if (document.querySelector("#sessions .state-running") || document.getElementById("upload-progress").hidden === false) refreshSessions();
}, 2000);
