// `node --import ./test/helpers/log-modules.mjs ...`: appends the URL of every file module the
// program loads to the file named by BP_TEST_MODULE_LOG, one a line (module.register's resolve hook).
import { register } from 'node:module';

register('./log-modules-hooks.mjs', import.meta.url);
