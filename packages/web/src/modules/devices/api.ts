/**
 * The devices routes as the web app uses them beyond a plain get/post: the live alarm stream (SSE read through fetch,
 * so the token travels in a header), and the alarm tone (Web Audio: browsers let a page sound only after the user has
 * interacted with it, so the tone is armed by the "sound on" switch). What the routes answer is the core's client
 * contract: import those types from `@machi/core` (modules/devices/api.ts there).
 */
import type { AlarmEvent } from '@machi/core';
import { followStream } from '../../api';

export function followAlarms(onEvent: (e: AlarmEvent) => void, onOpen: () => void, signal: AbortSignal): Promise<void> {
  return followStream<AlarmEvent>('/v1/devices/alarms/events', onEvent, onOpen, signal);
}

/** Length of one alarm tone, seconds; a critical alarm sounds three of them, others one. */
export const TONE_SECONDS = 0.18;
const SOUND_KEY = 'machi.devices.sound';

let audio: AudioContext | null = null;
/** Tones played since the page loaded (shown on the switch, so a test can see a tone was made). */
export let tonesPlayed = 0;

export const soundWanted = (): boolean => localStorage.getItem(SOUND_KEY) === 'on';

/** Turns the tone on or off; call it from a user's gesture (a click), which is what lets the page sound. */
export async function setSound(on: boolean): Promise<boolean> {
  localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
  if (!on) return false;
  return armSound();
}

/** Creates or resumes the audio context (works only during or after a user gesture); whether it can sound now. */
export async function armSound(): Promise<boolean> {
  try {
    audio ??= new AudioContext();
    if (audio.state !== 'running') await audio.resume();
    return audio.state === 'running';
  } catch {
    return false;
  }
}

export const soundReady = (): boolean => audio !== null && audio.state === 'running';

/** A short two-pitch tone (three for a critical alarm), if sound is on and armed; whether it sounded. */
export function playAlarmTone(critical: boolean): boolean {
  if (!soundWanted() || audio === null || audio.state !== 'running') return false;
  const start = audio.currentTime + 0.02;
  const beeps = critical ? 3 : 1;
  for (let i = 0; i < beeps; i++) {
    const t0 = start + i * TONE_SECONDS * 2;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'square';
    osc.frequency.setValueAtTime(critical ? 1046 : 880, t0);
    osc.frequency.setValueAtTime(critical ? 784 : 660, t0 + TONE_SECONDS / 2);
    gain.gain.setValueAtTime(0.0001, t0);
    gain.gain.exponentialRampToValueAtTime(0.25, t0 + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + TONE_SECONDS);
    osc.connect(gain).connect(audio.destination);
    osc.start(t0);
    osc.stop(t0 + TONE_SECONDS + 0.02);
  }
  tonesPlayed += 1;
  return true;
}
