// Sound and a browser notification, only while the tab is hidden and the operator has not muted them.
import { state } from "./store";

let audio = null;

function chime(kind) {
	try {
		audio = audio || new AudioContext();
		const tone = audio.createOscillator();
		const gain = audio.createGain();
		tone.frequency.value = { assignment: 880, transfer: 660, message: 520 }[kind] || 600;
		gain.gain.setValueAtTime(0.15, audio.currentTime);
		gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
		tone.connect(gain).connect(audio.destination);
		tone.start();
		tone.stop(audio.currentTime + 0.4);
	} catch (e) {
		// No audio device: the notification alone will do.
	}
}

export function notify(kind, title, body) {
	if (!document.hidden || state.boot?.notifications_muted) return;
	chime(kind);
	if ("Notification" in window && Notification.permission === "granted") {
		const note = new Notification(title, { body, tag: `iqchannels-${kind}` });
		note.onclick = () => {
			window.focus();
			note.close();
		};
	}
}

export function ask_permission() {
	if ("Notification" in window && Notification.permission === "default") {
		Notification.requestPermission();
	}
}
