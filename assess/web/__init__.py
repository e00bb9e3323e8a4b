"""What every page shares: sessions and CSRF, i18n, navigation, pagination, error pages, the home page."""
