package io.pgvault.core.relation;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.PgSession;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Statements on one session, failures turned into one-line POSTGRES errors naming what was being done. Values go
 * as bind parameters; names (which DDL cannot bind) are quoted with {@link SqlIdentifier#quote}. No statement built
 * here ever holds a password.
 */
final class Sql {

    private final PgSession session;
    private final String database;

    Sql(PgSession session, String database) {
        this.session = session;
        this.database = database;
    }

    PgSession session() {
        return session;
    }

    String database() {
        return database;
    }

    /** Runs one statement (autocommit). */
    void execute(String statement, String what) {
        try (Statement st = session.connection().createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** The first column of the first row, if there is a row. */
    Optional<String> value(String query, String what, Object... params) {
        List<List<String>> rows = rows(query, what, params);
        return rows.isEmpty() ? Optional.empty() : Optional.ofNullable(rows.get(0).get(0));
    }

    boolean exists(String query, String what, Object... params) {
        return !rows(query, what, params).isEmpty();
    }

    long count(String query, String what, Object... params) {
        return value(query, what, params).map(Long::parseLong).orElse(0L);
    }

    /** Every row, each column as text. */
    List<List<String>> rows(String query, String what, Object... params) {
        try (PreparedStatement ps = session.connection().prepareStatement(query)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<List<String>> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>(n);
                    for (int c = 1; c <= n; c++) {
                        row.add(rs.getString(c));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    PgVaultException failure(String what, SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName()
                : e.getMessage().lines().findFirst().orElse("");
        return new PgVaultException(ErrorCode.POSTGRES, "cannot " + what + " (database " + database + "): " + m, e);
    }
}
