import { ContainerModule } from 'inversify';
import { IDENTITY_TOKENS } from '../identity/ports.js';
import { fromStore } from '../shared/module.js';
import { AddressService } from './addresses.service.js';
import { AddressPersonalDataEraser } from './personal-data.js';
import { ADDRESS_TOKENS } from './ports.js';

/** Addresses: the address-book repository from the store, `AddressService` (`engine.addresses`) and its eraser. */
export const addressModule = new ContainerModule(({ bind }) => {
  bind(ADDRESS_TOKENS.AddressRepository).toDynamicValue(fromStore('addresses'));
  bind(ADDRESS_TOKENS.AddressService).to(AddressService).inSingletonScope();
  bind(IDENTITY_TOKENS.PersonalDataEraser).to(AddressPersonalDataEraser).inSingletonScope();
});
