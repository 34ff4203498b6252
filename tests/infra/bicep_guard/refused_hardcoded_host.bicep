// A private DNS zone spelled for the public cloud only: linter no-hardcoded-env-urls.
resource zone 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: 'privatelink.blob.core.windows.net'
  location: 'global'
}
