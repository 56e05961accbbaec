package io.pgvault.storage.swift;

import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.api.exceptions.ConnectionException;
import org.openstack4j.api.exceptions.ResponseException;
import org.openstack4j.api.types.Facing;
import org.openstack4j.core.transport.Config;
import org.openstack4j.core.transport.HttpMethod;
import org.openstack4j.core.transport.HttpRequest;
import org.openstack4j.core.transport.HttpResponse;
import org.openstack4j.model.common.Identifier;
import org.openstack4j.model.identity.v3.Endpoint;
import org.openstack4j.model.identity.v3.Service;
import org.openstack4j.model.identity.v3.Token;
import org.openstack4j.openstack.OSFactory;
import org.openstack4j.openstack.identity.v3.domain.KeystoneToken;

/**
 * One login: Keystone v3 through OpenStack4j (token plus the object-store endpoint of the catalog), or tempauth, which
 * OpenStack4j does not speak: a GET of {@code /auth/v1.0} answering with a token and the storage URL. Transient
 * failures are thrown as {@link SwiftRetry.TransientFailure} for the caller's retry loop; refused credentials are
 * {@link Reason#ACCESS_DENIED}. Messages name the user and the URL, never the secret.
 */
final class SwiftLogin {

    /** A token, the storage URL it is valid for, and the OpenStack4j token that sessions are built from. */
    record SwiftToken(String id, String storageUrl, Token token) {
        @Override
        public String toString() {
            return "SwiftToken[id=****, storageUrl=" + storageUrl + "]";
        }
    }

    private final SwiftCredentials credentials;
    private final Config config;

    SwiftLogin(SwiftCredentials credentials, Config config) {
        this.credentials = credentials;
        this.config = config;
    }

    SwiftToken login() {
        return credentials.version() == 1 ? tempauth() : keystone();
    }

    private SwiftToken keystone() {
        OSClientV3 client;
        try {
            client = OSFactory.builderV3().withConfig(config).endpoint(credentials.authUrl().toString())
                    .credentials(credentials.user(), credentials.secret(),
                            Identifier.byName(credentials.userDomain()))
                    .scopeToProject(Identifier.byName(credentials.project()),
                            Identifier.byName(credentials.projectDomain()))
                    .authenticate();
        } catch (ConnectionException e) {
            throw new SwiftRetry.TransientFailure("cannot reach keystone at " + credentials.authUrl() + ": "
                    + e.getMessage());
        } catch (ResponseException e) {
            // not e.getMessage(): only the status, so nothing of the request can leak into logs
            throw refused(e.getStatus());
        }
        Token token = client.getToken();
        return new SwiftToken(token.getId(), objectStoreUrl(token), token);
    }

    /** The public object-store endpoint of the catalog, in the configured region when there is one. */
    private String objectStoreUrl(Token token) {
        if (token.getCatalog() != null) {
            for (Service service : token.getCatalog()) {
                if (!"object-store".equals(service.getType())) {
                    continue;
                }
                for (Endpoint endpoint : service.getEndpoints()) {
                    if (endpoint.getIface() == Facing.PUBLIC && (credentials.region() == null
                            || credentials.region().equals(endpoint.getRegion()))) {
                        return endpoint.getUrl().toString().replaceAll("/+$", "");
                    }
                }
            }
        }
        throw new StorageException(Reason.CONFIGURATION, "the keystone catalog of " + credentials.describe()
                + " has no public object-store endpoint" + (credentials.region() == null ? ""
                : " in region '" + credentials.region() + "' (check swift-region / OS_REGION_NAME)"));
    }

    private SwiftToken tempauth() {
        HttpRequest<Void> request = HttpRequest.builder().endpoint(credentials.authUrl().toString()).path("")
                .method(HttpMethod.GET).config(config).header("X-Auth-User", credentials.user())
                .header("X-Auth-Key", credentials.secret()).build();
        HttpResponse response;
        try {
            response = new SwiftHttpConnector().execute(request);
        } catch (ConnectionException e) {
            throw new SwiftRetry.TransientFailure("cannot reach tempauth at " + credentials.authUrl() + ": "
                    + e.getMessage());
        }
        try {
            int status = response.getStatus();
            String token = response.header("X-Auth-Token");
            String storageUrl = response.header("X-Storage-Url");
            if (status / 100 != 2) {
                throw refused(status);
            }
            if (token == null || storageUrl == null) {
                throw new StorageException(Reason.CONFIGURATION, "tempauth at " + credentials.authUrl()
                        + " answered without a token or storage URL: is it a Swift /auth/v1.0 URL?");
            }
            KeystoneToken sessionToken = new KeystoneToken();
            sessionToken.setId(token);
            return new SwiftToken(token, storageUrl.replaceAll("/+$", ""), sessionToken);
        } finally {
            SwiftRequests.close(response);
        }
    }

    private RuntimeException refused(int status) {
        String secretName = credentials.version() == 1 ? "key" : "password";
        if (status == 401 || status == 403) {
            return new StorageException(Reason.ACCESS_DENIED, "authentication refused (HTTP " + status + ") for "
                    + credentials.describe() + ": check the user and " + secretName + " (" + credentials.origin()
                    + ")");
        }
        if (SwiftRetry.isTransient(status)) {
            return new SwiftRetry.TransientFailure("authentication at " + credentials.authUrl() + " answered HTTP "
                    + status);
        }
        return new StorageException(Reason.CONFIGURATION, "authentication at " + credentials.authUrl()
                + " answered HTTP " + status + " for " + credentials.describe() + ": check the auth URL, "
                + "project and domains (" + credentials.origin() + ")");
    }
}
