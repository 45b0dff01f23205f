// The one schema both backends share. A guard test applies each migration tree and compares
// the columns with this file.

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        legal_name -> Text,
        country -> Text,
        org_number -> Text,
        vat_status -> Text,
        vat_number -> Nullable<Text>,
        address_line1 -> Text,
        address_line2 -> Nullable<Text>,
        postal_code -> Text,
        city -> Text,
        address_country -> Text,
        seat -> Text,
        f_skatt -> Bool,
        bankgiro -> Nullable<Text>,
        plusgiro -> Nullable<Text>,
        iban -> Nullable<Text>,
        bic -> Nullable<Text>,
        currency_accounts -> Text,
        default_currency -> Text,
        default_language -> Text,
        payment_terms_days -> Integer,
        invoice_prefix -> Text,
        contact_email -> Text,
        signatories -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        email_from_name -> Nullable<Text>,
        email_from_address -> Nullable<Text>,
        email_reply_to_name -> Nullable<Text>,
        email_reply_to_address -> Nullable<Text>,
    }
}

diesel::table! {
    members (id) {
        id -> Text,
        organisation_id -> Text,
        kind -> Text,
        name -> Text,
        name_key -> Text,
        country -> Text,
        org_number -> Nullable<Text>,
        municipality_code -> Nullable<Text>,
        county_code -> Nullable<Text>,
        county_name -> Nullable<Text>,
        billing_line1 -> Nullable<Text>,
        billing_line2 -> Nullable<Text>,
        billing_postal_code -> Nullable<Text>,
        billing_city -> Nullable<Text>,
        billing_country -> Nullable<Text>,
        invoice_email -> Nullable<Text>,
        peppol_endpoint -> Nullable<Text>,
        buyer_reference -> Nullable<Text>,
        language -> Text,
        currency -> Text,
        status -> Text,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        vat_number -> Nullable<Text>,
    }
}

diesel::table! {
    populations (member_id, reference_date) {
        member_id -> Text,
        reference_date -> Date,
        count -> BigInt,
        source -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    contacts (id) {
        id -> Text,
        organisation_id -> Text,
        member_id -> Text,
        name -> Text,
        title -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        receives_offers -> Bool,
        receives_invoices -> Bool,
        receives_newsletters -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        organisation_id -> Nullable<Text>,
        role -> Text,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(members -> organisations (organisation_id));
diesel::joinable!(populations -> members (member_id));
diesel::joinable!(contacts -> members (member_id));
diesel::joinable!(api_tokens -> organisations (organisation_id));

diesel::table! {
    price_items (id) {
        id -> Text,
        organisation_id -> Text,
        fee_year -> Integer,
        code -> Text,
        name_sv -> Text,
        name_nb -> Nullable<Text>,
        name_en -> Nullable<Text>,
        unit -> Text,
        unit_price_minor -> BigInt,
        currency -> Text,
        vat -> Text,
        vat_exempt_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        domestic_vat_abroad -> Bool,
    }
}

diesel::table! {
    index_series (id) {
        id -> Text,
        organisation_id -> Text,
        name -> Text,
        points -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    fee_models (id) {
        id -> Text,
        organisation_id -> Text,
        fee_year -> Integer,
        name -> Text,
        spec -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agreements (id) {
        id -> Text,
        organisation_id -> Text,
        member_id -> Text,
        status -> Text,
        currency -> Text,
        pro_rata -> Text,
        notice_months -> Integer,
        start_date -> Date,
        end_date -> Nullable<Date>,
        accepted_on -> Nullable<Date>,
        signed_by -> Nullable<Text>,
        decision_reference -> Nullable<Text>,
        terminated_on -> Nullable<Date>,
        termination_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agreement_versions (agreement_id, version) {
        agreement_id -> Text,
        version -> Integer,
        effective_from -> Date,
        terms -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agreement_events (id) {
        id -> Text,
        agreement_id -> Text,
        from_status -> Text,
        to_status -> Text,
        occurred_at -> Timestamp,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    usage_records (id) {
        id -> Text,
        organisation_id -> Text,
        agreement_id -> Text,
        used_on -> Date,
        item_code -> Text,
        quantity -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(agreement_versions -> agreements (agreement_id));
diesel::joinable!(agreement_events -> agreements (agreement_id));
diesel::joinable!(usage_records -> agreements (agreement_id));

diesel::table! {
    documents (id) {
        id -> Text,
        organisation_id -> Text,
        kind -> Text,
        language -> Text,
        member_id -> Text,
        agreement_id -> Nullable<Text>,
        fee_year -> Nullable<Integer>,
        title -> Text,
        sha256 -> Text,
        size_bytes -> Integer,
        content -> Binary,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    document_templates (organisation_id, kind, language) {
        organisation_id -> Text,
        kind -> Text,
        language -> Text,
        source -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    organisation_logos (organisation_id) {
        organisation_id -> Text,
        media_type -> Text,
        content -> Binary,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    invoicing_settings (organisation_id) {
        organisation_id -> Text,
        credit_note_prefix -> Text,
        reference_scheme -> Text,
        round_to_whole -> Bool,
        reminder_after_days -> Integer,
        reminder_pay_days -> Integer,
        send_on_issue -> Bool,
        updated_at -> Timestamp,
        reminder_minimum_minor -> BigInt,
    }
}

diesel::table! {
    inkassosats (year) {
        year -> Integer,
        amount_minor -> BigInt,
        currency -> Text,
        source -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reference_rates (country, valid_from) {
        country -> Text,
        valid_from -> Date,
        percent -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    exchange_rates (quote_currency, currency, rate_date) {
        quote_currency -> Text,
        currency -> Text,
        rate_date -> Date,
        rate -> Text,
        source -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    number_series (organisation_id, series, year) {
        organisation_id -> Text,
        series -> Text,
        year -> Integer,
        last -> BigInt,
    }
}

diesel::table! {
    invoice_runs (id) {
        id -> Text,
        organisation_id -> Text,
        period_start -> Date,
        period_end -> Date,
        created_by -> Text,
        created_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invoices (id) {
        id -> Text,
        organisation_id -> Text,
        member_id -> Text,
        agreement_id -> Nullable<Text>,
        run_id -> Nullable<Text>,
        kind -> Text,
        credits_invoice_id -> Nullable<Text>,
        language -> Text,
        currency -> Text,
        period_start -> Date,
        period_end -> Date,
        buyer_reference -> Nullable<Text>,
        our_reference -> Nullable<Text>,
        series -> Nullable<Text>,
        number -> Nullable<Text>,
        invoice_date -> Nullable<Date>,
        due_date -> Nullable<Date>,
        payment_reference -> Nullable<Text>,
        net_minor -> BigInt,
        vat_minor -> BigInt,
        rounding_minor -> BigInt,
        total_minor -> BigInt,
        document_id -> Nullable<Text>,
        issued_by -> Nullable<Text>,
        issued_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        einvoice_document_id -> Nullable<Text>,
        accounting_currency -> Nullable<Text>,
        exchange_rate -> Nullable<Text>,
        exchange_rate_date -> Nullable<Date>,
        exchange_rate_source -> Nullable<Text>,
        accounting_vat_minor -> Nullable<BigInt>,
    }
}

diesel::table! {
    invoice_lines (invoice_id, position) {
        invoice_id -> Text,
        position -> Integer,
        description -> Text,
        quantity -> Text,
        unit -> Text,
        unit_price_minor -> BigInt,
        vat -> Text,
        vat_exempt_reason -> Nullable<Text>,
        amount_minor -> BigInt,
        component -> Nullable<Text>,
        fee_year -> Nullable<Integer>,
        discount_percent -> Nullable<Text>,
        discount_minor -> Nullable<BigInt>,
        domestic_vat_abroad -> Bool,
    }
}

diesel::table! {
    billed_periods (agreement_id, part, period_start) {
        agreement_id -> Text,
        part -> Text,
        period_start -> Date,
        invoice_id -> Text,
    }
}

diesel::table! {
    invoice_events (id) {
        id -> Text,
        invoice_id -> Text,
        kind -> Text,
        note -> Nullable<Text>,
        occurred_on -> Date,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    payments (id) {
        id -> Text,
        organisation_id -> Text,
        member_id -> Nullable<Text>,
        amount_minor -> BigInt,
        currency -> Text,
        paid_on -> Date,
        payer -> Nullable<Text>,
        reference -> Nullable<Text>,
        source -> Text,
        reverses_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    allocations (id) {
        id -> Text,
        organisation_id -> Text,
        payment_id -> Text,
        invoice_id -> Nullable<Text>,
        amount_minor -> BigInt,
        allocated_on -> Date,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (organisation_id, key) {
        organisation_id -> Text,
        key -> Text,
        request_hash -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    request_keys (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        location -> Nullable<Text>,
        body -> Nullable<Binary>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reminders (id) {
        id -> Text,
        organisation_id -> Text,
        member_id -> Text,
        reminder_date -> Date,
        new_due_date -> Date,
        charge_invoice_id -> Nullable<Text>,
        document_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reminder_items (reminder_id, invoice_id) {
        reminder_id -> Text,
        invoice_id -> Text,
        outstanding_minor -> BigInt,
        interest_minor -> BigInt,
        compensation_minor -> BigInt,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        organisation_id -> Text,
        entity -> Text,
        entity_id -> Text,
        action -> Text,
        actor -> Text,
        occurred_at -> Timestamp,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        organisation_id -> Text,
        member_id -> Nullable<Text>,
        kind -> Text,
        document_id -> Nullable<Text>,
        language -> Text,
        recipients -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        attachment_name -> Nullable<Text>,
        attachment_content -> Nullable<Binary>,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        from_name -> Nullable<Text>,
        from_address -> Nullable<Text>,
        reply_to_name -> Nullable<Text>,
        reply_to_address -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_recipients (outbox_id, position) {
        outbox_id -> Text,
        position -> Integer,
        address -> Text,
        status -> Text,
        reply -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    email_templates (organisation_id, kind, language) {
        organisation_id -> Text,
        kind -> Text,
        language -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(invoice_lines -> invoices (invoice_id));
diesel::joinable!(billed_periods -> invoices (invoice_id));
diesel::joinable!(invoice_events -> invoices (invoice_id));
diesel::joinable!(allocations -> payments (payment_id));
diesel::joinable!(reminder_items -> reminders (reminder_id));

diesel::table! {
    mailings (id) {
        id -> Text,
        organisation_id -> Text,
        fingerprint -> Text,
        subject -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mailing_messages (mailing_id, outbox_id) {
        mailing_id -> Text,
        outbox_id -> Text,
        member_id -> Text,
    }
}

diesel::joinable!(mailing_messages -> mailings (mailing_id));
diesel::joinable!(mailing_messages -> outbox (outbox_id));
diesel::joinable!(outbox_recipients -> outbox (outbox_id));

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        organisation_id -> Text,
        url -> Text,
        description -> Nullable<Text>,
        events -> Text,
        secret -> Text,
        enabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        endpoint_id -> Text,
        organisation_id -> Text,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (delivery_id, number) {
        delivery_id -> Text,
        number -> Integer,
        series -> Integer,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> Integer,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    members,
    populations,
    contacts,
    api_tokens,
    price_items,
    index_series,
    fee_models,
    agreements,
    agreement_versions,
    agreement_events,
    usage_records,
    documents,
    document_templates,
    organisation_logos,
    invoicing_settings,
    inkassosats,
    reference_rates,
    exchange_rates,
    number_series,
    invoice_runs,
    invoices,
    invoice_lines,
    billed_periods,
    invoice_events,
    payments,
    allocations,
    idempotency_keys,
    request_keys,
    reminders,
    reminder_items,
    audit_log,
    outbox,
    outbox_recipients,
    email_templates,
    mailings,
    mailing_messages,
    webhook_endpoints,
    webhook_deliveries,
    webhook_attempts,
);
