export { writeBackup, type BackupOptions, type BackupProgress } from './backup.js';
export { restoreBackup, type RestoreOptions } from './restore.js';
export { verifyBackup, BackupFileError, BACKUP_FORMAT, BACKUP_VERSION, type BackupHeader } from './format.js';
export { writeNativeBackup, restoreNativeBackup, type NativeOptions } from './native.js';
