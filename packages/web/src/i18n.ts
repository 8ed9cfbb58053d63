/**
 * Languages: Simplified Chinese, Japanese, English. Every user-visible string is in messages/<lang>.json (one key
 * set; a test checks the three files have the same keys); components only name keys. The choice is remembered in
 * localStorage; the first visit follows the browser's language.
 */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './messages/en.json';
import zh from './messages/zh.json';
import ja from './messages/ja.json';

export const LANGUAGES = [
  { code: 'zh', label: '中文' },
  { code: 'ja', label: '日本語' },
  { code: 'en', label: 'English' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

const KEY = 'machi.lang';

function initialLanguage(): Language {
  const saved = localStorage.getItem(KEY);
  if (saved === 'zh' || saved === 'ja' || saved === 'en') return saved;
  const nav = (navigator.language || 'en').toLowerCase();
  return nav.startsWith('zh') ? 'zh' : nav.startsWith('ja') ? 'ja' : 'en';
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, zh: { translation: zh }, ja: { translation: ja } },
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
