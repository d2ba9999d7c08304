-- Accounts: API tokens expire; sign-in failures remember the address they came from,
-- so throttling one address does not lock the owner out from another.

alter table api_token add column expires_at timestamptz;
-- Tokens made before expiry existed run 90 days from now on.
update api_token set expires_at = now() + interval '90 days'
    where expires_at is null and revoked_at is null;
create index api_token_account_id_idx on api_token (account_id);

alter table login_failure add column address text not null default '';
create index login_failure_address_idx on login_failure (address, failed_at);
