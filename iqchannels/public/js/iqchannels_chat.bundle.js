// The website visitors' chat, shown by the embed script in an iframe (www/iqchannels_chat.html).
import { createApp } from "vue";
import Chat from "./iqchannels_chat/Chat.vue";
import { start } from "./iqchannels_chat/session";

createApp(Chat).mount("#iqc-chat");
start();
