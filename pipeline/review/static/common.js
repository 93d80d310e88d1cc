// Shared by every page: the editor's name (kept in this browser) and messages.
"use strict";
const editorField = document.getElementById("editor-name");
editorField.value = localStorage.getItem("verbali-editor") || "";
editorField.addEventListener("change", () => localStorage.setItem("verbali-editor", editorField.value.trim()));

function editorName() {
  return editorField.value.trim() || "anonimo";
}

function showMessage(text, kind = "info") {
  const box = document.getElementById("message");
  box.textContent = text;
  box.className = kind;
  box.hidden = false;
  clearTimeout(showMessage.timer);
  showMessage.timer = setTimeout(() => { box.hidden = true; }, kind === "error" ? 12000 : 5000);
}

async function postJSON(url, body) {
  const response = await fetch(url, {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body || {}),
  });
  let data = {};
  try { data = await response.json(); } catch (e) { /* empty body */ }
  return {ok: response.ok, status: response.status, data};
}
