// mediapub's one script: chapter links seek the player, the YouTube video loads only when asked
// for, and the embeddable player gets its controls. Pages work without it (links fall back to
// the media file and to YouTube itself).
(function () {
  "use strict";

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function seek(audio, seconds) {
    audio.currentTime = seconds;
    var playing = audio.play();
    if (playing && playing.catch) playing.catch(function () {});
  }

  // Any link with data-start (chapters, transcript lines) plays the page's audio from that time.
  function linkTimes(audio) {
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("[data-start]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      seek(audio, parseFloat(link.getAttribute("data-start")));
    });
    var chapters = Array.prototype.slice.call(document.querySelectorAll(".chapters li"));
    if (!chapters.length) return;
    audio.addEventListener("timeupdate", function () {
      var now = audio.currentTime, current = -1;
      chapters.forEach(function (item, index) {
        if (parseFloat(item.querySelector("[data-start]").getAttribute("data-start")) <= now + 0.05) current = index;
      });
      chapters.forEach(function (item, index) {
        if (index === current) item.setAttribute("aria-current", "true");
        else item.removeAttribute("aria-current");
      });
    });
  }

  // Browsers show no captions for audio: the captions track's current line goes into a live region.
  function showCaptions(audio) {
    var line = document.querySelector("[data-caption]");
    var track = audio.querySelector("track");
    if (!line || !track || !track.track) return;
    track.track.mode = "hidden";
    track.track.addEventListener("cuechange", function () {
      var cues = track.track.activeCues;
      var text = cues && cues.length ? cues[cues.length - 1].text.replace(/<[^>]*>/g, "") : "";
      line.textContent = text;
      line.hidden = !text;
    });
  }

  // The YouTube player is a link until clicked: no request to YouTube before the listener asks.
  function youtubeOnClick() {
    document.querySelectorAll("a[data-youtube]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var frame = document.createElement("iframe");
        frame.src = link.getAttribute("data-youtube");
        frame.title = link.getAttribute("data-title") || "YouTube video";
        frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
        frame.allowFullscreen = true;
        frame.referrerPolicy = "strict-origin-when-cross-origin";
        link.replaceWith(frame);
        frame.focus();
      });
    });
  }

  // The embeddable player: our controls replace the browser's once this script runs.
  function embedControls(root, audio) {
    var theme = new URLSearchParams(location.search).get("theme");
    if (theme === "dark" || theme === "light") document.documentElement.setAttribute("data-theme", theme);
    var controls = root.querySelector(".controls");
    var play = root.querySelector("[data-play]"), bar = root.querySelector("[data-seek]");
    var time = root.querySelector("[data-clock]"), speed = root.querySelector("[data-speed]");
    var menu = root.querySelector("[data-chapters]");
    audio.removeAttribute("controls");
    controls.hidden = false;
    function show() {
      var playing = !audio.paused;
      play.textContent = playing ? "❚❚" : "▶";
      play.setAttribute("aria-label", playing ? "Pause" : "Play");
      if (isFinite(audio.duration)) bar.max = audio.duration;
      bar.value = audio.currentTime;
      var total = isFinite(audio.duration) ? clock(audio.duration) : clock(parseFloat(bar.max));
      time.textContent = clock(audio.currentTime) + " / " + total;
      bar.setAttribute("aria-valuetext", clock(audio.currentTime) + " of " + total);
      if (menu) {
        var options = menu.options, chosen = 0;
        for (var i = 0; i < options.length; i++) if (parseFloat(options[i].value) <= audio.currentTime + 0.05) chosen = i;
        if (document.activeElement !== menu) menu.selectedIndex = chosen;
      }
    }
    play.addEventListener("click", function () {
      if (audio.paused) seek(audio, audio.currentTime); else audio.pause();
    });
    bar.addEventListener("input", function () { audio.currentTime = parseFloat(bar.value); });
    speed.addEventListener("change", function () { audio.playbackRate = parseFloat(speed.value); });
    // Choosing a chapter moves the playhead; it starts playback only if the episode was playing already
    // (arrowing through the menu must not start it).
    if (menu) menu.addEventListener("change", function () { audio.currentTime = parseFloat(menu.value); show(); });
    ["play", "pause", "timeupdate", "durationchange", "loadedmetadata", "ended"].forEach(function (name) {
      audio.addEventListener(name, show);
    });
    show();
  }

  function start() {
    var audio = document.getElementById("audio");
    youtubeOnClick();
    if (!audio) return;
    linkTimes(audio);
    showCaptions(audio);
    var embed = document.querySelector("[data-embed]");
    if (embed) embedControls(embed, audio);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
