/**
 * The labels the app shows, per language, as src/i18n.ts merges them (the shell's and each module's files): the tests
 * find elements by their visible text. Spread from the files themselves so a key missing here is a type error.
 */
import enShell from '../../src/messages/en.json';
import jaShell from '../../src/messages/ja.json';
import zhShell from '../../src/messages/zh.json';
import enRepairs from '../../src/modules/repairs/messages/en.json';
import jaRepairs from '../../src/modules/repairs/messages/ja.json';
import zhRepairs from '../../src/modules/repairs/messages/zh.json';
import enIdentity from '../../src/modules/identity/messages/en.json';
import jaIdentity from '../../src/modules/identity/messages/ja.json';
import zhIdentity from '../../src/modules/identity/messages/zh.json';
import enPrivacy from '../../src/modules/privacy/messages/en.json';
import jaPrivacy from '../../src/modules/privacy/messages/ja.json';
import zhPrivacy from '../../src/modules/privacy/messages/zh.json';
import enEvents from '../../src/modules/events/messages/en.json';
import jaEvents from '../../src/modules/events/messages/ja.json';
import zhEvents from '../../src/modules/events/messages/zh.json';
import enAddresses from '../../src/modules/addresses/messages/en.json';
import jaAddresses from '../../src/modules/addresses/messages/ja.json';
import zhAddresses from '../../src/modules/addresses/messages/zh.json';
import enDevices from '../../src/modules/devices/messages/en.json';
import jaDevices from '../../src/modules/devices/messages/ja.json';
import zhDevices from '../../src/modules/devices/messages/zh.json';
import enFunds from '../../src/modules/funds/messages/en.json';
import jaFunds from '../../src/modules/funds/messages/ja.json';
import zhFunds from '../../src/modules/funds/messages/zh.json';
import enProperty from '../../src/modules/property/messages/en.json';
import jaProperty from '../../src/modules/property/messages/ja.json';
import zhProperty from '../../src/modules/property/messages/zh.json';

export const en = { ...enShell, ...enRepairs, ...enIdentity, ...enPrivacy, ...enEvents, ...enAddresses, ...enDevices, ...enFunds, ...enProperty };
export const ja = { ...jaShell, ...jaRepairs, ...jaIdentity, ...jaPrivacy, ...jaEvents, ...jaAddresses, ...jaDevices, ...jaFunds, ...jaProperty };
export const zh = { ...zhShell, ...zhRepairs, ...zhIdentity, ...zhPrivacy, ...zhEvents, ...zhAddresses, ...zhDevices, ...zhFunds, ...zhProperty };
