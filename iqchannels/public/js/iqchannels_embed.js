/*
 * IQChannels web chat: one line on any website shows a chat button that opens the chat.
 *
 *   <script src="https://SITE/assets/iqchannels/js/iqchannels_embed.js" data-channel="Website Chat" async></script>
 *
 * A signed-in user of the website is passed with data-user-id and data-user-hash (the hex
 * HMAC-SHA256 of the id by the chat's secret, computed on the website's server), and optionally
 * data-user-name and data-user-email. They travel in the frame address's fragment, which browsers
 * never send to a server. An anonymous visitor's chat token is kept in this website's storage.
 */
(function () {
	var script = document.currentScript;
	if (!script || window.__iqchannels_chat) return;
	window.__iqchannels_chat = true;

	var origin = new URL(script.src).origin;
	var data = script.dataset;
	var identity = new URLSearchParams();
	[
		["user_id", data.userId],
		["user_hash", data.userHash],
		["name", data.userName],
		["email", data.userEmail],
	].forEach(function (pair) {
		if (pair[1]) identity.set(pair[0], pair[1]);
	});
	// The visitor's token for the chat, kept in this website's storage: browsers deny the chat's
	// frame storage of its own on another site, and the token is what keeps the visitor's history.
	var token_key = "iqchannels:" + origin + ":" + (data.channel || "") + ":token";
	var token = null;
	try {
		token = localStorage.getItem(token_key);
	} catch (e) {
		/* storage blocked: a new visitor on each page */
	}
	if (token && !data.userId) identity.set("token", token);
	var src = origin + "/iqchannels_chat?channel=" + encodeURIComponent(data.channel || "");
	if (identity.toString()) src += "#" + identity.toString();
	var colour = data.colour || "#2f6fed";

	var style = document.createElement("style");
	style.textContent =
		".iqc-launcher{position:fixed;right:20px;bottom:20px;width:58px;height:58px;border-radius:50%;" +
		"border:0;background:" + colour + ";color:#fff;cursor:pointer;display:flex;align-items:center;justify-content:center;z-index:2147483000;" +
		"box-shadow:0 4px 14px rgba(0,0,0,.25)}" +
		".iqc-launcher .iqc-badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;" +
		"border-radius:10px;background:#e24c4c;font:600 12px/20px sans-serif;display:none}" +
		".iqc-panel{position:fixed;right:20px;bottom:90px;width:370px;height:560px;max-height:calc(100vh - 110px);" +
		"border:0;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);z-index:2147483000;display:none;background:#fff}" +
		".iqc-panel.open{display:block}" +
		"@media (max-width:480px){.iqc-panel{right:0;bottom:0;width:100%;height:100%;max-height:none;border-radius:0}}";
	document.head.appendChild(style);

	var frame = document.createElement("iframe");
	frame.className = "iqc-panel";
	frame.title = data.title || "Chat";
	frame.src = src;
	frame.setAttribute("allow", "clipboard-write");

	var button = document.createElement("button");
	button.className = "iqc-launcher";
	button.type = "button";
	button.setAttribute("aria-label", data.title || "Chat");
	button.innerHTML =
		'<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="currentColor" ' +
		'd="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>' +
		'<span class="iqc-badge"></span>';
	var badge = button.querySelector(".iqc-badge");

	function toggle(open) {
		frame.classList.toggle("open", open);
		frame.contentWindow.postMessage({ type: open ? "iqchannels:opened" : "iqchannels:closed" }, origin);
		if (open) badge.style.display = "none";
	}
	button.addEventListener("click", function () {
		toggle(!frame.classList.contains("open"));
	});
	window.addEventListener("message", function (event) {
		if (event.origin !== origin || event.source !== frame.contentWindow || !event.data) return;
		if (event.data.type === "iqchannels:close") toggle(false);
		if (event.data.type === "iqchannels:token" && typeof event.data.token === "string") {
			try {
				localStorage.setItem(token_key, event.data.token);
			} catch (e) {
				/* as above */
			}
		}
		if (event.data.type === "iqchannels:unread" && !frame.classList.contains("open")) {
			badge.textContent = event.data.count;
			badge.style.display = event.data.count ? "block" : "none";
		}
	});

	function mount() {
		// The chat loads at once, hidden, so that replies arrive and show on the button's badge.
		document.body.appendChild(frame);
		document.body.appendChild(button);
	}
	if (document.body) mount();
	else document.addEventListener("DOMContentLoaded", mount);
})();
