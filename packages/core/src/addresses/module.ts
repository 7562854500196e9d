import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { AddressService } from './addresses.service.js';
import { ADDRESS_TOKENS } from './ports.js';

/** Addresses: the address-book repository from the store and `AddressService` (`engine.addresses`). */
export const addressModule = new ContainerModule(({ bind }) => {
  bind(ADDRESS_TOKENS.AddressRepository).toDynamicValue(fromStore('addresses'));
  bind(ADDRESS_TOKENS.AddressService).to(AddressService).inSingletonScope();
});
