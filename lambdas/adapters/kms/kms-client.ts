/**
 * The KMS client factory, in its own module (not in aws-clients.ts) so a function that uses KMS
 * only now and then can import it lazily and keep the KMS client out of its cold start.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { type AwsClientOptions, baseConfig, counted } from '../aws-clients.js';

export function createKmsClient(options: AwsClientOptions = {}): KMSClient {
  return counted(new KMSClient(baseConfig('kms', options)), 'kms', options);
}
