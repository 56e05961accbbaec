package io.pgvault.storage.swift;

import io.pgvault.storage.StorageException;
import io.pgvault.storage.swift.SwiftLogin.SwiftToken;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.openstack4j.api.identity.EndpointURLResolver;
import org.openstack4j.api.types.Facing;
import org.openstack4j.core.transport.Config;
import org.openstack4j.model.identity.URLResolverParams;
import org.openstack4j.openstack.OSFactory;

/**
 * The token shared by every thread of one adapter. OpenStack4j keeps its session in a thread-local, so
 * {@link #bind()} installs one built from the shared token on the calling thread before each request; the token is
 * renewed once for all threads ({@link #renew}) when Swift refuses it, and ahead of its expiry when Keystone gave one.
 * Thread-safe.
 */
final class SwiftSession {

    /** Renew a Keystone token this long before it expires, so that long uploads do not run into the expiry. */
    private static final Duration EXPIRY_MARGIN = Duration.ofMinutes(5);
    /** After an early renewal failed, wait this long before the next early attempt. */
    private static final Duration RENEWAL_PAUSE = Duration.ofSeconds(30);

    private final SwiftCredentials credentials;
    private final Duration requestTimeout;
    private final SwiftLogin login;
    private final SwiftRetry retry;
    private volatile Bound current;
    private volatile Instant quietUntil = Instant.MIN;

    /** A token with the OpenStack4j configuration that points its sessions at the token's storage URL. */
    private record Bound(SwiftToken token, Config config) {
    }

    SwiftSession(SwiftCredentials credentials, Duration requestTimeout, SwiftRetry retry) {
        this.credentials = credentials;
        this.requestTimeout = requestTimeout;
        this.login = new SwiftLogin(credentials, config());
        this.retry = retry;
    }

    /**
     * Makes OpenStack4j's calls on this thread use the current token and storage URL, logging in first if needed.
     *
     * @return the token the calls will carry, to hand back to {@link #renew} if Swift refuses it
     */
    SwiftToken bind() {
        Bound bound = current;
        if (bound == null) {
            renew(null);
            bound = current;
        } else if (expiresBefore(bound.token(), Instant.now().plus(EXPIRY_MARGIN))
                && Instant.now().isAfter(quietUntil)) {
            try {
                renew(bound.token());
                bound = current;
            } catch (StorageException e) {
                if (expiresBefore(bound.token(), Instant.now())) {
                    throw e;
                }
                // Keystone is unreachable but the token still works for a while: carry on with it, and do not
                // make every request wait for another failing login
                quietUntil = Instant.now().plus(RENEWAL_PAUSE);
            }
        }
        OSFactory.clientFromToken(bound.token().token(), Facing.PUBLIC, bound.config());
        return bound.token();
    }

    /** Logs in again, unless another thread already replaced {@code stale}. */
    synchronized void renew(SwiftToken stale) {
        Bound bound = current;
        if (bound != null && bound.token() != stale) {
            return;
        }
        SwiftToken fresh = retry.untilAnswered("login as " + credentials.describe(), login::login);
        current = new Bound(fresh, config().withEndpointURLResolver(new FixedEndpoint(fresh.storageUrl())));
    }

    /** The storage URL in use (logging in if needed), for messages. */
    String storageUrl() {
        Bound bound = current;
        return bound == null ? bind().storageUrl() : bound.token().storageUrl();
    }

    /** The OpenStack4j settings of every request: the request timeout bounds connecting and waiting for answers. */
    private Config config() {
        int millis = (int) Math.min(Integer.MAX_VALUE, requestTimeout.toMillis());
        return Config.newConfig().withConnectionTimeout(Math.min(millis, 30_000)).withReadTimeout(millis);
    }

    private static boolean expiresBefore(SwiftToken token, Instant when) {
        Date expires = token.token().getExpires();
        return expires != null && expires.toInstant().isBefore(when);
    }

    /** The storage URL comes from the login (catalog or tempauth answer), whatever service is asked for. */
    private static final class FixedEndpoint implements EndpointURLResolver {
        private final String url;

        FixedEndpoint(String url) {
            this.url = url;
        }

        @Override
        public String findURLV2(URLResolverParams params) {
            return url;
        }

        @Override
        public String findURLV3(URLResolverParams params) {
            return url;
        }
    }
}
