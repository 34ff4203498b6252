// This app's key material in the stamp's Key Vault: the key-encryption key (KEK) that wraps
// every subject's data key, and the two 32-byte region secrets read by the KeyProvider port.
param vaultName string
param kekName string = 'kek'
@description('Write the generated secrets. True on a stamp\'s first deployment only: a second write makes a new secret version, and a new blind-index key orphans every index entry.')
param writeInitialSecrets bool
@secure()
@description('Standard base64 of 32 bytes: HMAC key of the blind index.')
param blindIndexKey string
@secure()
@description('Standard base64 of 32 bytes: seals widget payloads on the ingest queue.')
param transitKey string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

// HSM-backed RSA key, usable only to wrap and unwrap: rotated yearly by Key Vault, each version
// expires after two years (unwrap of older wraps keeps working until the re-wrap sweep is done).
resource kek 'Microsoft.KeyVault/vaults/keys@2023-07-01' = {
  parent: vault
  name: kekName
  properties: {
    kty: 'RSA-HSM'
    keySize: 3072
    keyOps: ['wrapKey', 'unwrapKey']
    attributes: {
      enabled: true
    }
    rotationPolicy: {
      attributes: {
        expiryTime: 'P2Y'
      }
      lifetimeActions: [
        {
          trigger: { timeAfterCreate: 'P1Y' }
          action: { type: 'rotate' }
        }
        {
          trigger: { timeBeforeExpiry: 'P30D' }
          action: { type: 'notify' }
        }
      ]
    }
  }
}

var secrets = [
  { name: 'blind-index', value: blindIndexKey }
  { name: 'transit', value: transitKey }
]

resource secretResources 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for s in secrets: if (writeInitialSecrets) {
  parent: vault
  name: s.name
  properties: {
    // checkov:skip=CKV_AZURE_41: no expiry on purpose: the blind-index key keys every index entry and the transit key must open every queued or dead-lettered message; changing either is a re-key (re-index, drain) run by an operator, not a date. Key Vault audit logs every read.
    contentType: 'application/octet-stream; encoding=base64; bytes=32'
    value: s.value
    attributes: {
      enabled: true
    }
  }
}]

output kekName string = kek.name
output kekUri string = kek.properties.keyUri
