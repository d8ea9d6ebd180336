/** KMS errors by their service-model shape names, which the SDK turns into `err.name`. */
import { AwsJsonError } from '../aws-json-server.js';

export type KmsErrorName =
  | 'NotFoundException'
  | 'InvalidCiphertextException'
  | 'IncorrectKeyException'
  | 'InvalidKeyUsageException'
  | 'ValidationException'
  | 'AlreadyExistsException'
  | 'UnsupportedOperationException'
  | 'InvalidAliasNameException';

export function kmsError(name: KmsErrorName, message: string): AwsJsonError {
  return new AwsJsonError(name, message);
}
