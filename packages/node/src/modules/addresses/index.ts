/**
 * addresses on a node: the standard address register (一标三实) — registrars of the street office register, update
 * and retire building and unit codes; anyone signed in lists them; the demo seed registers the community's buildings.
 * docs/spec/addresses.md
 */
import { ADDRESS_REGISTRAR_ROLES } from '@machi/core';
import { defineNodeModule } from '../contract.js';
import { addressesRoutes } from './routes.js';
import { seedAddresses } from './seed.js';
import { AddressesService } from './service.js';

export { AddressesService } from './service.js';
export { DEMO_ADDRESSES } from './seed.js';

export const addressesNodeModule = defineNodeModule({
  name: 'addresses',
  dependsOn: [],
  routeClasses: {
    'addresses.manage': { access: [...ADDRESS_REGISTRAR_ROLES], doc: 'register, update and retire standard address codes of buildings and units (the defining organisation\'s registrars)' },
    'addresses.view': { access: 'authenticated', doc: 'the standard address register: buildings, units, one address' },
  },
  tags: [
    { name: 'addresses', description: 'the standard address register (一标三实): public codes of buildings and units (docs/spec/addresses.md)', paths: /^\/v1\/addresses(\/|$)/ },
  ],
  open(ctx) {
    const service = new AddressesService(ctx.node, ctx.submitter, ctx.signer);
    return {
      plugin: async (app) => app.register(addressesRoutes, { service }),
      exports: service,
      seed: () => seedAddresses(service, ctx.auth),
    };
  },
});
