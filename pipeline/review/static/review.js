// A session's page: audio beside the transcript, click to seek, the word being said highlighted,
// playback keys, and every correction saved at once as a record (409 when another editor saved first).
"use strict";
const player = document.getElementById("player");
const holder = document.getElementById("review-holder");
const preview = document.getElementById("preview");
let words = [];       // the word spans, in time order
let current = null;   // the highlighted word
let selected = null;  // the sentence last clicked

function review() { return document.getElementById("review"); }
function sessionId() { return review().dataset.session; }
function version() { return parseInt(review().dataset.version, 10); }

function indexWords() {
  words = Array.from(document.querySelectorAll("#transcript .w"));
  words.sort((a, b) => parseFloat(a.dataset.s) - parseFloat(b.dataset.s));
  current = null;
}

function anchorOf(item) {
  return {start: parseFloat(item.dataset.start), end: parseFloat(item.dataset.end), text: item.dataset.text};
}

// ------------------------------------------------------------------ playback

function seek(seconds, play = true) {
  player.currentTime = Math.max(0, seconds);
  if (play) player.play().catch(() => {});
}

function wordAt(time) {
  let low = 0, high = words.length - 1, found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (parseFloat(words[middle].dataset.s) <= time) { found = middle; low = middle + 1; } else { high = middle - 1; }
  }
  return found >= 0 && time <= parseFloat(words[found].dataset.e) + 0.3 ? words[found] : null;
}

function highlight() {
  const word = wordAt(player.currentTime);
  if (word !== current) {
    if (current) current.classList.remove("now");
    if (word) {
      word.classList.add("now");
      if (document.getElementById("follow").checked && !isEditing()) word.scrollIntoView({block: "center", behavior: "smooth"});
    }
    current = word;
  }
  if (!player.paused) requestAnimationFrame(highlight);
}
player.addEventListener("play", () => requestAnimationFrame(highlight));
player.addEventListener("seeked", highlight);

const speeds = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0];
const speedSelect = document.getElementById("speed");
function setSpeed(rate) {
  player.playbackRate = rate;
  speedSelect.value = String(rate);
}
speedSelect.addEventListener("change", () => setSpeed(parseFloat(speedSelect.value)));

function isEditing() {
  const active = document.activeElement;
  return active && (["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName) || active.isContentEditable);
}

document.addEventListener("keydown", (event) => {
  // While typing a correction, Ctrl+Space and Ctrl+arrows still drive the audio.
  if (event.ctrlKey && !event.altKey && !event.metaKey) {
    if (event.key === " ") { player.paused ? player.play() : player.pause(); }
    else if (event.key === "ArrowLeft") { seek(player.currentTime - 5, !player.paused); }
    else if (event.key === "ArrowRight") { seek(player.currentTime + 5, !player.paused); }
    else return;
    event.preventDefault();
    return;
  }
  if (isEditing() || event.metaKey || event.altKey) return;
  const index = speeds.indexOf(player.playbackRate);
  if (event.key === " ") { player.paused ? player.play() : player.pause(); }
  else if (event.key === "ArrowLeft") { seek(player.currentTime - 5, !player.paused); }
  else if (event.key === "ArrowRight") { seek(player.currentTime + 5, !player.paused); }
  else if (event.key === "-") { setSpeed(speeds[Math.max(0, index - 1)]); }
  else if (event.key === "+" || event.key === "=") { setSpeed(speeds[Math.min(speeds.length - 1, index + 1)]); }
  else return;
  event.preventDefault();
});

// ------------------------------------------------------------------ saving

async function refresh() {
  const response = await fetch(`/sessione/${sessionId()}/trascrizione`);
  if (!response.ok) return;
  const scroll = window.scrollY;
  holder.innerHTML = await response.text();
  window.scrollTo(0, scroll);
  // A text being corrected and not yet saved is not lost by leaving the page unawares.
window.addEventListener("beforeunload", (event) => {
  if (document.querySelector(".text[contenteditable=true]")) { event.preventDefault(); event.returnValue = ""; }
});

indexWords();
  selected = null;
  if (!preview.hidden) preview.src = preview.dataset.src;
}

async function save(op, args) {
  const result = await postJSON(`/api/sessions/${sessionId()}/corrections`, {base: version(), by: editorName(), op, ...args});
  return afterSave(result, "Correzione salvata.");
}

async function afterSave(result, done) {
  await refresh();  // the page shows the saved state (or the other editor's) before the message
  if (result.ok) {
    showMessage(done);
  } else {
    showMessage(result.data.errore || `Errore ${result.status}`, "error");
  }
  return result.ok;
}

document.addEventListener("click", async (event) => {
  const target = event.target;
  const item = target.closest(".item");
  if (item && (target.classList.contains("time") || target.closest(".text")) && !target.closest("[contenteditable=true]")) {
    document.querySelectorAll(".item.selected").forEach((el) => el.classList.remove("selected"));
    item.classList.add("selected");
    selected = item;
    const word = target.closest(".w");
    seek(word ? parseFloat(word.dataset.s) : parseFloat(item.dataset.start));
  } else if (target.classList.contains("goto")) {
    event.preventDefault();
    const start = target.dataset.start;
    const found = document.querySelector(`.item[data-start="${start}"]`);
    if (found) { found.scrollIntoView({block: "center"}); found.classList.add("selected"); selected = found; }
    seek(parseFloat(start));
  } else if (target.classList.contains("edit")) {
    startEditing(item);
  } else if (target.classList.contains("rename")) {
    const li = target.closest("li");
    const to = li.querySelector(".rename-to").value.trim();
    if (to && to !== li.dataset.speaker) await save("rename_speaker", {from: li.dataset.speaker, to});
  } else if (target.classList.contains("bound")) {
    if (!selected) { showMessage("Prima fai clic sulla frase da cui il tavolo inizia o con cui finisce.", "error"); return; }
    const form = target.closest("form");
    const edge = target.dataset.edge;
    const time = edge === "start" ? parseFloat(selected.dataset.start) : parseFloat(selected.dataset.end);
    await save("move_table_bound", {table: {start: parseFloat(form.dataset.start), end: parseFloat(form.dataset.end), text: ""}, edge, time});
  } else if (target.id === "undo") {
    await afterSave(await postJSON(`/api/sessions/${sessionId()}/undo`, {base: version(), by: editorName()}), "Ultima correzione annullata.");
  } else if (target.id === "regenerate") {
    target.disabled = true;
    const result = await postJSON(`/api/sessions/${sessionId()}/regenerate`, {});
    target.disabled = false;
    await refresh();
    showMessage(result.ok ? `Verbale rigenerato: ${result.data.scritti.join(", ")}` : result.data.errore, result.ok ? "info" : "error");
  } else if (target.id === "approve") {
    if (!confirm("Approvare la sessione? I documenti approvati non verranno più modificati.")) return;
    target.disabled = true;
    const pseudonimizzato = document.getElementById("pseudonymised").checked;
    const result = await postJSON(`/api/sessions/${sessionId()}/approve`, {by: editorName(), pseudonimizzato});
    target.disabled = false;
    if (result.ok) {
      const notes = result.data.approvazione.notes;
      showMessage("Sessione approvata." + (notes.length ? " " + notes.join(" ") : ""));
      document.querySelector(".actions").hidden = true;
    } else {
      showMessage(result.data.errore, "error");
    }
    await refresh();
  } else if (target.id === "reopen") {
    const result = await postJSON(`/api/sessions/${sessionId()}/reopen`, {});
    if (result.ok) location.reload(); else showMessage(result.data.errore, "error");
  } else if (target.id === "show-preview" || target.id === "show-transcript") {
    const showPreview = target.id === "show-preview";
    preview.hidden = !showPreview;
    holder.hidden = showPreview;
    document.getElementById("show-preview").classList.toggle("on", showPreview);
    document.getElementById("show-transcript").classList.toggle("on", !showPreview);
    if (showPreview) preview.src = preview.dataset.src;
  }
});

document.addEventListener("change", async (event) => {
  const target = event.target;
  const item = target.closest(".item");
  if (target.classList.contains("heading")) {
    await save("move_heading", {sentence: anchorOf(item), heading: target.value});
  } else if (target.classList.contains("reassign") && target.value) {
    let speaker = target.value;
    if (speaker === "*") speaker = (prompt("A chi attribuire questa frase?") || "").trim();
    if (speaker) await save("reassign_sentence", {sentence: anchorOf(item), speaker});
    else target.value = "";
  } else if (target.classList.contains("merge-into") && target.value) {
    const from = target.closest("li").dataset.speaker;
    if (confirm(`Unire «${from}» a «${target.value}»? Le sue frasi passano a «${target.value}».`)) {
      await save("merge_speakers", {from, into: target.value});
    } else target.value = "";
  }
});

document.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const data = new FormData(form);
  if (form.classList.contains("table-form")) {
    const args = {table: {start: parseFloat(form.dataset.start), end: parseFloat(form.dataset.end), text: ""}};
    for (const name of ["number", "theme", "spokesperson", "organisation"]) args[name] = data.get(name);
    await save("set_table", args);
  } else if (form.id === "replace-form") {
    await save("replace", {find: data.get("find"), replace: data.get("replace"), case_sensitive: data.get("case_sensitive") === "on"});
  }
});

// ------------------------------------------------------------------ editing a sentence's text

function startEditing(item) {
  const text = item.querySelector(".text");
  text.textContent = item.dataset.text;
  text.contentEditable = "true";
  text.classList.add("editing");
  text.focus();
  showMessage("Correggi il testo, poi Invio per salvare o Esc per annullare.");
  text.addEventListener("keydown", async (event) => {
    if (event.key === "Escape") { event.preventDefault(); await refresh(); }
    else if (event.key === "Enter") {
      event.preventDefault();
      const corrected = text.textContent.replace(/\s+/g, " ").trim();
      text.contentEditable = "false";
      if (corrected && corrected !== item.dataset.text) await save("fix_text", {sentence: anchorOf(item), text: corrected});
      else await refresh();
    }
  });
}

// A text being corrected and not yet saved is not lost by leaving the page unawares.
window.addEventListener("beforeunload", (event) => {
  if (document.querySelector(".text[contenteditable=true]")) { event.preventDefault(); event.returnValue = ""; }
});

indexWords();
