//! The four tables, their foreign keys (cascading from tokens) and the indexes the queries use.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `esi_token`, `esi_scope`, `esi_token_scope` and `esi_callback_redirect`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20260101_000001_initial"
    }
}

#[derive(DeriveIden)]
enum EsiToken {
    Table,
    Id,
    CharacterId,
    CharacterName,
    CharacterOwnerHash,
    TokenType,
    UserId,
    AccessToken,
    RefreshToken,
    Created,
    Expires,
    RefreshLeaseOwner,
    RefreshLeaseUntil,
}

#[derive(DeriveIden)]
enum EsiScope {
    Table,
    Id,
    Name,
    HelpText,
}

#[derive(DeriveIden)]
enum EsiTokenScope {
    Table,
    TokenId,
    ScopeId,
}

#[derive(DeriveIden)]
enum EsiCallbackRedirect {
    Table,
    Id,
    SessionKey,
    State,
    PkceVerifier,
    ReturnUrl,
    Created,
    TokenId,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(EsiToken::Table)
                .if_not_exists()
                .col(big_pk_auto(EsiToken::Id))
                .col(big_integer(EsiToken::CharacterId))
                .col(string(EsiToken::CharacterName))
                .col(string(EsiToken::CharacterOwnerHash))
                .col(string(EsiToken::TokenType))
                .col(string_null(EsiToken::UserId))
                .col(text(EsiToken::AccessToken))
                .col(text_null(EsiToken::RefreshToken))
                .col(timestamp_with_time_zone(EsiToken::Created))
                .col(timestamp_with_time_zone(EsiToken::Expires))
                .col(string_null(EsiToken::RefreshLeaseOwner))
                .col(timestamp_with_time_zone_null(EsiToken::RefreshLeaseUntil))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("idx_esi_token_character", EsiToken::CharacterId),
            ("idx_esi_token_user", EsiToken::UserId),
            ("idx_esi_token_expires", EsiToken::Expires),
        ] {
            m.create_index(
                Index::create()
                    .if_not_exists()
                    .name(name)
                    .table(EsiToken::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(EsiScope::Table)
                .if_not_exists()
                .col(big_pk_auto(EsiScope::Id))
                .col(string_uniq(EsiScope::Name))
                .col(string(EsiScope::HelpText))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(EsiTokenScope::Table)
                .if_not_exists()
                .col(big_integer(EsiTokenScope::TokenId))
                .col(big_integer(EsiTokenScope::ScopeId))
                .primary_key(
                    Index::create()
                        .col(EsiTokenScope::TokenId)
                        .col(EsiTokenScope::ScopeId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_esi_token_scope_token")
                        .from(EsiTokenScope::Table, EsiTokenScope::TokenId)
                        .to(EsiToken::Table, EsiToken::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_esi_token_scope_scope")
                        .from(EsiTokenScope::Table, EsiTokenScope::ScopeId)
                        .to(EsiScope::Table, EsiScope::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .if_not_exists()
                .name("idx_esi_token_scope_scope")
                .table(EsiTokenScope::Table)
                .col(EsiTokenScope::ScopeId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(EsiCallbackRedirect::Table)
                .if_not_exists()
                .col(big_pk_auto(EsiCallbackRedirect::Id))
                .col(string(EsiCallbackRedirect::SessionKey))
                .col(string_uniq(EsiCallbackRedirect::State))
                .col(text_null(EsiCallbackRedirect::PkceVerifier))
                .col(text(EsiCallbackRedirect::ReturnUrl))
                .col(timestamp_with_time_zone(EsiCallbackRedirect::Created))
                .col(big_integer_null(EsiCallbackRedirect::TokenId))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_esi_callback_redirect_token")
                        .from(EsiCallbackRedirect::Table, EsiCallbackRedirect::TokenId)
                        .to(EsiToken::Table, EsiToken::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            (
                "idx_esi_callback_redirect_session",
                EsiCallbackRedirect::SessionKey,
            ),
            (
                "idx_esi_callback_redirect_created",
                EsiCallbackRedirect::Created,
            ),
        ] {
            m.create_index(
                Index::create()
                    .if_not_exists()
                    .name(name)
                    .table(EsiCallbackRedirect::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EsiCallbackRedirect::Table.into_iden(),
            EsiTokenScope::Table.into_iden(),
            EsiScope::Table.into_iden(),
            EsiToken::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
