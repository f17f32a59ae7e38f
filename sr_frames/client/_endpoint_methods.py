"""The endpoint methods of AsyncClient and Client, generated from sr_frames/endpoints.py.

Do not edit: after changing the endpoint table, run ``python -m sr_frames.client.generate_methods``.
"""

from typing import Any

from sr_frames.client.methods import AsyncEndpointCalls, EndpointCalls, hidden

__all__ = ["AsyncEndpointMethods", "EndpointMethods"]


class AsyncEndpointMethods(AsyncEndpointCalls):
    """One awaitable method per endpoint of the table."""

    async def verify_email(self, email: str) -> dict[str, Any]:
        """Deliverability of one email address.

        POST ``/toolkit/emailVerifier``. Arguments: ``email`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return await self._call_endpoint("verify_email", email=email)

    async def verify_phones(self, phones: list[str]) -> list[Any]:
        """Parse and validate many phone numbers; one answer per number, in input order.

        POST ``/toolkit/phoneVerifier``. Arguments: ``phones`` (array).
        Returns the answer unwrapped from its envelope (a JSON list).
        """
        return await self._call_endpoint("verify_phones", phones=phones)

    async def email_patterns(self, domain: str) -> dict[str, Any]:
        """Email patterns used at a domain.

        POST ``/search/emailPatternsByDomain``. Arguments: ``domain`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return await self._call_endpoint("email_patterns", domain=domain)

    async def linkedin_contacts(self, domain: str) -> dict[str, Any]:
        """LinkedIn handles of contacts at a domain.

        POST ``/search/linkedinContactsByDomain``. Arguments: ``domain`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return await self._call_endpoint("linkedin_contacts", domain=domain)

    async def company_email(self, linkedin_handle: str) -> dict[str, Any]:
        """The company email for a company LinkedIn handle.

        POST ``/search/companyEmailByCompanyLinkedinHandle``. Arguments: ``linkedin_handle`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return await self._call_endpoint("company_email", linkedin_handle=linkedin_handle)

    async def contact_emails(self, linkedin_handle: str) -> dict[str, Any]:
        """Contact emails for a company LinkedIn handle.

        POST ``/search/contactEmailsByCompanyLinkedinHandle``. Arguments: ``linkedin_handle`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return await self._call_endpoint("contact_emails", linkedin_handle=linkedin_handle)

    async def contact_email(self, linkedin_handle: str) -> dict[str, Any]:
        """The email of a contact LinkedIn handle.

        POST ``/search/contactEmailByContactLinkedinHandle``. Arguments: ``linkedin_handle`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return await self._call_endpoint("contact_email", linkedin_handle=linkedin_handle)

    async def find_email_by_company(
        self,
        first_name: str,
        last_name: str,
        company_name: str,
    ) -> dict[str, Any]:
        """A person's email from first name, last name and company name.

        POST ``/search/emailByFirstLastAndCompanyName``. Arguments: ``first_name`` (string), ``last_name``
        (string), ``company_name`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return await self._call_endpoint(
            "find_email_by_company",
            first_name=first_name,
            last_name=last_name,
            company_name=company_name,
        )

    async def find_email(self, first_name: str, last_name: str, company_domain: str) -> dict[str, Any]:
        """A person's email from first name, last name and company domain.

        POST ``/search/emailByFirstLastNameAndCompanyDomain``. Arguments: ``first_name`` (string),
        ``last_name`` (string), ``company_domain`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return await self._call_endpoint(
            "find_email",
            first_name=first_name,
            last_name=last_name,
            company_domain=company_domain,
        )

    async def list_memberships(self, email: str) -> list[Any]:
        """The caller's lists (and their campaigns) that hold an email address.

        POST ``/search/getListNameAndIds``. Arguments: ``email`` (string).
        Returns the answer unwrapped from its envelope (a JSON list).
        """
        return await self._call_endpoint("list_memberships", email=email)

    async def create_email_connection(
        self,
        *,
        sender_name: str,
        email: str,
        username: str,
        secret: str,
        smtp_host: str,
        smtp_port: str,
        smtp_encryption: str,
        permission: str,
        receiving_email: str,
        imap_host: str | None = None,
        imap_port: str | None = None,
        imap_encryption: str | None = None,
        bcc: str | None = None,
    ) -> Any:
        """Connect a mailbox for campaigns and warm-up; carries the mailbox password.

        POST ``/connections/createEmailConnection``. Arguments: ``sender_name`` (string), ``email``
        (string), ``username`` (string), ``secret`` (string), ``imap_host`` (string, optional),
        ``imap_port`` (string, optional), ``imap_encryption`` (string, optional), ``smtp_host`` (string),
        ``smtp_port`` (string), ``smtp_encryption`` (string), ``permission`` (string), ``bcc`` (string,
        optional), ``receiving_email`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        Changes state: never resent after a failure that may have reached the service (timeout, dropped
        connection, 5xx).
        secret is a secret: never logged.
        """
        secret = hidden(secret)  # masked in a traceback's locals from here on
        return await self._call_endpoint(
            "create_email_connection",
            sender_name=sender_name,
            email=email,
            username=username,
            secret=secret,
            smtp_host=smtp_host,
            smtp_port=smtp_port,
            smtp_encryption=smtp_encryption,
            permission=permission,
            receiving_email=receiving_email,
            imap_host=imap_host,
            imap_port=imap_port,
            imap_encryption=imap_encryption,
            bcc=bcc,
        )

    async def generate_emails(self, first_name: str, last_name: str, domain: str) -> dict[str, Any]:
        """Candidate addresses permuted from first name, last name and domain.

        POST ``/enrichment/generateEmail``. Arguments: ``first_name`` (string), ``last_name`` (string),
        ``domain`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return await self._call_endpoint(
            "generate_emails",
            first_name=first_name,
            last_name=last_name,
            domain=domain,
        )

    async def campaign_statistics(self, campaign_id: int) -> Any:
        """Counters of one drip campaign; they change, so never cached.

        POST ``/drip-campaign/getCampaignStatistics``. Arguments: ``campaign_id`` (integer).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return await self._call_endpoint("campaign_statistics", campaign_id=campaign_id)

    async def create_email_warmer(
        self,
        *,
        connection_email: str,
        ramp_up_increment: int,
        ramp_up_limit: int,
        start_date: str,
        timezone: str,
        mature: bool,
        stop_on_limit_reach: bool,
    ) -> Any:
        """Start warming up a connected mailbox.

        POST ``/email-warmer/createEmailWarmer``. Arguments: ``connection_email`` (string),
        ``ramp_up_increment`` (integer), ``ramp_up_limit`` (integer), ``start_date`` (string), ``timezone``
        (string), ``mature`` (boolean), ``stop_on_limit_reach`` (boolean).
        Returns the answer unwrapped from its envelope (a JSON object).
        Changes state: never resent after a failure that may have reached the service (timeout, dropped
        connection, 5xx).
        """
        return await self._call_endpoint(
            "create_email_warmer",
            connection_email=connection_email,
            ramp_up_increment=ramp_up_increment,
            ramp_up_limit=ramp_up_limit,
            start_date=start_date,
            timezone=timezone,
            mature=mature,
            stop_on_limit_reach=stop_on_limit_reach,
        )

    async def create_list(self, list_name: str, permission: str = "private") -> Any:
        """Create an editable list; answers its string id.

        POST ``/editable-lists/createList``. Arguments: ``list_name`` (string), ``permission`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        Changes state: never resent after a failure that may have reached the service (timeout, dropped
        connection, 5xx).
        """
        return await self._call_endpoint("create_list", list_name=list_name, permission=permission)

    async def add_to_list(self, list_id: str, data: list[dict[str, Any]]) -> Any:
        """Insert contacts into a list; answers their ids in input order.

        POST ``/editable-lists/addToList``. Arguments: ``list_id`` (string), ``data`` (records).
        Returns the answer unwrapped from its envelope (a JSON object).
        Changes state: never resent after a failure that may have reached the service (timeout, dropped
        connection, 5xx).
        """
        return await self._call_endpoint("add_to_list", list_id=list_id, data=data)

    async def get_lists(self, page: int = 1, size: int = 100) -> list[Any]:
        """One page of the caller's lists.

        POST ``/editable-lists/getLists``. Arguments: ``page`` (integer), ``size`` (integer).
        Returns the answer unwrapped from its envelope (a JSON list).
        """
        return await self._call_endpoint("get_lists", page=page, size=size)

    async def get_list_data(self, list_id: str, page: int = 1, size: int = 100) -> list[Any]:
        """One page of a list's contacts.

        POST ``/editable-lists/getListData``. Arguments: ``list_id`` (string), ``page`` (integer), ``size``
        (integer).
        Returns the answer unwrapped from its envelope (a JSON list).
        """
        return await self._call_endpoint("get_list_data", list_id=list_id, page=page, size=size)

    async def get_contact(self, contact_id: str) -> Any:
        """One contact of a list.

        POST ``/editable-lists/getContact``. Arguments: ``contact_id`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return await self._call_endpoint("get_contact", contact_id=contact_id)

    async def delete_list_data(self, ids: list[str]) -> Any:
        """Delete contacts by id; answers the service's message with the count.

        POST ``/editable-lists/deleteListData``. Arguments: ``ids`` (array).
        Returns the answer unwrapped from its envelope (a JSON object).
        Changes state: never resent after a failure that may have reached the service (timeout, dropped
        connection, 5xx).
        """
        return await self._call_endpoint("delete_list_data", ids=ids)

    async def update_list_data(self, data: list[dict[str, Any]]) -> Any:
        """Update contacts, each object carrying its ``_id``; answers the counts message.

        POST ``/editable-lists/updateListData``. Arguments: ``data`` (records).
        Returns the answer unwrapped from its envelope (a JSON object).
        Changes state: never resent after a failure that may have reached the service (timeout, dropped
        connection, 5xx).
        """
        return await self._call_endpoint("update_list_data", data=data)


class EndpointMethods(EndpointCalls):
    """One blocking method per endpoint of the table."""

    def verify_email(self, email: str) -> dict[str, Any]:
        """Deliverability of one email address.

        POST ``/toolkit/emailVerifier``. Arguments: ``email`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return self._call_endpoint("verify_email", email=email)

    def verify_phones(self, phones: list[str]) -> list[Any]:
        """Parse and validate many phone numbers; one answer per number, in input order.

        POST ``/toolkit/phoneVerifier``. Arguments: ``phones`` (array).
        Returns the answer unwrapped from its envelope (a JSON list).
        """
        return self._call_endpoint("verify_phones", phones=phones)

    def email_patterns(self, domain: str) -> dict[str, Any]:
        """Email patterns used at a domain.

        POST ``/search/emailPatternsByDomain``. Arguments: ``domain`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return self._call_endpoint("email_patterns", domain=domain)

    def linkedin_contacts(self, domain: str) -> dict[str, Any]:
        """LinkedIn handles of contacts at a domain.

        POST ``/search/linkedinContactsByDomain``. Arguments: ``domain`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return self._call_endpoint("linkedin_contacts", domain=domain)

    def company_email(self, linkedin_handle: str) -> dict[str, Any]:
        """The company email for a company LinkedIn handle.

        POST ``/search/companyEmailByCompanyLinkedinHandle``. Arguments: ``linkedin_handle`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return self._call_endpoint("company_email", linkedin_handle=linkedin_handle)

    def contact_emails(self, linkedin_handle: str) -> dict[str, Any]:
        """Contact emails for a company LinkedIn handle.

        POST ``/search/contactEmailsByCompanyLinkedinHandle``. Arguments: ``linkedin_handle`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return self._call_endpoint("contact_emails", linkedin_handle=linkedin_handle)

    def contact_email(self, linkedin_handle: str) -> dict[str, Any]:
        """The email of a contact LinkedIn handle.

        POST ``/search/contactEmailByContactLinkedinHandle``. Arguments: ``linkedin_handle`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return self._call_endpoint("contact_email", linkedin_handle=linkedin_handle)

    def find_email_by_company(self, first_name: str, last_name: str, company_name: str) -> dict[str, Any]:
        """A person's email from first name, last name and company name.

        POST ``/search/emailByFirstLastAndCompanyName``. Arguments: ``first_name`` (string), ``last_name``
        (string), ``company_name`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return self._call_endpoint(
            "find_email_by_company",
            first_name=first_name,
            last_name=last_name,
            company_name=company_name,
        )

    def find_email(self, first_name: str, last_name: str, company_domain: str) -> dict[str, Any]:
        """A person's email from first name, last name and company domain.

        POST ``/search/emailByFirstLastNameAndCompanyDomain``. Arguments: ``first_name`` (string),
        ``last_name`` (string), ``company_domain`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return self._call_endpoint(
            "find_email",
            first_name=first_name,
            last_name=last_name,
            company_domain=company_domain,
        )

    def list_memberships(self, email: str) -> list[Any]:
        """The caller's lists (and their campaigns) that hold an email address.

        POST ``/search/getListNameAndIds``. Arguments: ``email`` (string).
        Returns the answer unwrapped from its envelope (a JSON list).
        """
        return self._call_endpoint("list_memberships", email=email)

    def create_email_connection(
        self,
        *,
        sender_name: str,
        email: str,
        username: str,
        secret: str,
        smtp_host: str,
        smtp_port: str,
        smtp_encryption: str,
        permission: str,
        receiving_email: str,
        imap_host: str | None = None,
        imap_port: str | None = None,
        imap_encryption: str | None = None,
        bcc: str | None = None,
    ) -> Any:
        """Connect a mailbox for campaigns and warm-up; carries the mailbox password.

        POST ``/connections/createEmailConnection``. Arguments: ``sender_name`` (string), ``email``
        (string), ``username`` (string), ``secret`` (string), ``imap_host`` (string, optional),
        ``imap_port`` (string, optional), ``imap_encryption`` (string, optional), ``smtp_host`` (string),
        ``smtp_port`` (string), ``smtp_encryption`` (string), ``permission`` (string), ``bcc`` (string,
        optional), ``receiving_email`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        Changes state: never resent after a failure that may have reached the service (timeout, dropped
        connection, 5xx).
        secret is a secret: never logged.
        """
        secret = hidden(secret)  # masked in a traceback's locals from here on
        return self._call_endpoint(
            "create_email_connection",
            sender_name=sender_name,
            email=email,
            username=username,
            secret=secret,
            smtp_host=smtp_host,
            smtp_port=smtp_port,
            smtp_encryption=smtp_encryption,
            permission=permission,
            receiving_email=receiving_email,
            imap_host=imap_host,
            imap_port=imap_port,
            imap_encryption=imap_encryption,
            bcc=bcc,
        )

    def generate_emails(self, first_name: str, last_name: str, domain: str) -> dict[str, Any]:
        """Candidate addresses permuted from first name, last name and domain.

        POST ``/enrichment/generateEmail``. Arguments: ``first_name`` (string), ``last_name`` (string),
        ``domain`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return self._call_endpoint(
            "generate_emails",
            first_name=first_name,
            last_name=last_name,
            domain=domain,
        )

    def campaign_statistics(self, campaign_id: int) -> Any:
        """Counters of one drip campaign; they change, so never cached.

        POST ``/drip-campaign/getCampaignStatistics``. Arguments: ``campaign_id`` (integer).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return self._call_endpoint("campaign_statistics", campaign_id=campaign_id)

    def create_email_warmer(
        self,
        *,
        connection_email: str,
        ramp_up_increment: int,
        ramp_up_limit: int,
        start_date: str,
        timezone: str,
        mature: bool,
        stop_on_limit_reach: bool,
    ) -> Any:
        """Start warming up a connected mailbox.

        POST ``/email-warmer/createEmailWarmer``. Arguments: ``connection_email`` (string),
        ``ramp_up_increment`` (integer), ``ramp_up_limit`` (integer), ``start_date`` (string), ``timezone``
        (string), ``mature`` (boolean), ``stop_on_limit_reach`` (boolean).
        Returns the answer unwrapped from its envelope (a JSON object).
        Changes state: never resent after a failure that may have reached the service (timeout, dropped
        connection, 5xx).
        """
        return self._call_endpoint(
            "create_email_warmer",
            connection_email=connection_email,
            ramp_up_increment=ramp_up_increment,
            ramp_up_limit=ramp_up_limit,
            start_date=start_date,
            timezone=timezone,
            mature=mature,
            stop_on_limit_reach=stop_on_limit_reach,
        )

    def create_list(self, list_name: str, permission: str = "private") -> Any:
        """Create an editable list; answers its string id.

        POST ``/editable-lists/createList``. Arguments: ``list_name`` (string), ``permission`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        Changes state: never resent after a failure that may have reached the service (timeout, dropped
        connection, 5xx).
        """
        return self._call_endpoint("create_list", list_name=list_name, permission=permission)

    def add_to_list(self, list_id: str, data: list[dict[str, Any]]) -> Any:
        """Insert contacts into a list; answers their ids in input order.

        POST ``/editable-lists/addToList``. Arguments: ``list_id`` (string), ``data`` (records).
        Returns the answer unwrapped from its envelope (a JSON object).
        Changes state: never resent after a failure that may have reached the service (timeout, dropped
        connection, 5xx).
        """
        return self._call_endpoint("add_to_list", list_id=list_id, data=data)

    def get_lists(self, page: int = 1, size: int = 100) -> list[Any]:
        """One page of the caller's lists.

        POST ``/editable-lists/getLists``. Arguments: ``page`` (integer), ``size`` (integer).
        Returns the answer unwrapped from its envelope (a JSON list).
        """
        return self._call_endpoint("get_lists", page=page, size=size)

    def get_list_data(self, list_id: str, page: int = 1, size: int = 100) -> list[Any]:
        """One page of a list's contacts.

        POST ``/editable-lists/getListData``. Arguments: ``list_id`` (string), ``page`` (integer), ``size``
        (integer).
        Returns the answer unwrapped from its envelope (a JSON list).
        """
        return self._call_endpoint("get_list_data", list_id=list_id, page=page, size=size)

    def get_contact(self, contact_id: str) -> Any:
        """One contact of a list.

        POST ``/editable-lists/getContact``. Arguments: ``contact_id`` (string).
        Returns the answer unwrapped from its envelope (a JSON object).
        """
        return self._call_endpoint("get_contact", contact_id=contact_id)

    def delete_list_data(self, ids: list[str]) -> Any:
        """Delete contacts by id; answers the service's message with the count.

        POST ``/editable-lists/deleteListData``. Arguments: ``ids`` (array).
        Returns the answer unwrapped from its envelope (a JSON object).
        Changes state: never resent after a failure that may have reached the service (timeout, dropped
        connection, 5xx).
        """
        return self._call_endpoint("delete_list_data", ids=ids)

    def update_list_data(self, data: list[dict[str, Any]]) -> Any:
        """Update contacts, each object carrying its ``_id``; answers the counts message.

        POST ``/editable-lists/updateListData``. Arguments: ``data`` (records).
        Returns the answer unwrapped from its envelope (a JSON object).
        Changes state: never resent after a failure that may have reached the service (timeout, dropped
        connection, 5xx).
        """
        return self._call_endpoint("update_list_data", data=data)
