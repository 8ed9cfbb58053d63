/**
 * The web modules, in menu order. To add one: a folder `modules/<name>/` with an `index.ts` exporting its WebModule
 * (routes, navigation per role, home per role, messages in zh/ja/en) and one line here; see ./README.md. A test fails
 * when a folder is here without a line, or a line without a folder.
 */
import type { WebModule } from './types';
import { repairs } from './repairs';
import { identity } from './identity';
import { privacy } from './privacy';
import { events } from './events';
import { addresses } from './addresses';
import { devices } from './devices';
import { funds } from './funds';
import { provenance } from './provenance';
import { property } from './property';
import { dashboard } from './dashboard';

export const WEB_MODULES: readonly WebModule[] = [
  repairs,
  identity,
  privacy,
  events,
  addresses,
  devices,
  funds,
  provenance,
  property,
  dashboard,
];
