/**
 * Languages: Simplified Chinese, Japanese, English. Every user-visible string is in a message file — the shell's in
 * messages/<lang>.json, each module's in modules/<name>/messages/<lang>.json — merged here into one resource set per
 * language (keys are unique across files; a test checks that and that each file set has one key set). Components
 * only name keys. The choice is remembered in localStorage; the first visit follows the browser's language.
 */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './messages/en.json';
import zh from './messages/zh.json';
import ja from './messages/ja.json';
import { WEB_MODULES } from './modules';
import type { Messages } from './modules/types';

export const LANGUAGES = [
  { code: 'zh', label: '中文' },
  { code: 'ja', label: '日本語' },
  { code: 'en', label: 'English' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

const KEY = 'machi.lang';

/** The shell's labels and every module's, for one language. */
function resources(lang: Language, shell: Messages): Messages {
  return Object.assign({}, shell, ...WEB_MODULES.map((m) => m.messages[lang])) as Messages;
}

function initialLanguage(): Language {
  const saved = localStorage.getItem(KEY);
  if (saved === 'zh' || saved === 'ja' || saved === 'en') return saved;
  const nav = (navigator.language || 'en').toLowerCase();
  return nav.startsWith('zh') ? 'zh' : nav.startsWith('ja') ? 'ja' : 'en';
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: resources('en', en) }, zh: { translation: resources('zh', zh) }, ja: { translation: resources('ja', ja) } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = i18n.language;

export function setLanguage(lang: Language): void {
  localStorage.setItem(KEY, lang);
  void i18n.changeLanguage(lang);
  document.documentElement.lang = lang;
}

export default i18n;
